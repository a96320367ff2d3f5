package dev.aviary.policy;

import java.time.Duration;

/**
 * One step of a rollout. Exactly one of weight, headerRoute, mirror or pause is set.
 *
 * @param weight      canary weight in percent (0-100); 100 is promotion
 * @param headerRoute send only requests carrying this header to the canary
 * @param mirror      shadow this percentage of traffic to the canary, responses discarded
 * @param pause       a manual gate: the weights of the step before hold until someone approves (or its duration passes)
 */
public record Step(Integer weight, HeaderMatch headerRoute, Integer mirror, Duration minDuration, Gate pause) {

    public enum Kind { WEIGHT, HEADER_ROUTE, MIRROR, PAUSE }

    /** A traffic step (weight, header route or mirror). */
    public Step(Integer weight, HeaderMatch headerRoute, Integer mirror, Duration minDuration) {
        this(weight, headerRoute, mirror, minDuration, null);
    }

    /** A pause step: waits for approval, or, with {@code after}, continues by itself once that much time has passed. */
    public static Step gate(Duration after) {
        return new Step(null, null, null, Duration.ZERO, new Gate(after));
    }

    public Kind kind() {
        if (pause != null) return Kind.PAUSE;
        if (headerRoute != null) return Kind.HEADER_ROUTE;
        if (mirror != null) return Kind.MIRROR;
        return Kind.WEIGHT;
    }

    public boolean isGate() {
        return pause != null;
    }

    /** The canary's weight on the main route during this step (header, mirror and pause steps keep it at 0). */
    public int canaryWeight() {
        return weight == null ? 0 : weight;
    }

    public boolean isPromotion() {
        return weight != null && weight == 100;
    }

    public String describe() {
        return switch (kind()) {
            case WEIGHT -> "weight " + weight + "%";
            case HEADER_ROUTE -> "header route " + headerRoute.header() + "=" + headerRoute.value();
            case MIRROR -> "mirror " + mirror + "%";
            case PAUSE -> pause.duration() == null ? "pause, waits for approval"
                    : "pause " + Durations.format(pause.duration()) + " or until approved";
        };
    }

    /** A header match: {@code exact} or {@code prefix} or {@code regex}, as in Istio's StringMatch. */
    public record HeaderMatch(String header, MatchType type, String value) {
        public enum MatchType { EXACT, PREFIX, REGEX }
    }

    /**
     * A manual gate ({@code pause: {}} in a policy, as in Argo Rollouts).
     *
     * @param duration null: wait for approval however long it takes; else continue by itself after this long
     */
    public record Gate(Duration duration) {}
}
