package dev.aviary.policy;

import java.time.Duration;

/**
 * One step of a rollout. Exactly one of weight, headerRoute or mirror is set.
 *
 * @param weight      canary weight in percent (0-100); 100 is promotion
 * @param headerRoute send only requests carrying this header to the canary
 * @param mirror      shadow this percentage of traffic to the canary, responses discarded
 */
public record Step(Integer weight, HeaderMatch headerRoute, Integer mirror, Duration minDuration) {

    public enum Kind { WEIGHT, HEADER_ROUTE, MIRROR }

    public Kind kind() {
        if (headerRoute != null) return Kind.HEADER_ROUTE;
        if (mirror != null) return Kind.MIRROR;
        return Kind.WEIGHT;
    }

    /** The canary's weight on the main route during this step (header and mirror steps keep it at 0). */
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
        };
    }

    /** A header match: {@code exact} or {@code prefix} or {@code regex}, as in Istio's StringMatch. */
    public record HeaderMatch(String header, MatchType type, String value) {
        public enum MatchType { EXACT, PREFIX, REGEX }
    }
}
