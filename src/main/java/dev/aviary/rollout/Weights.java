package dev.aviary.rollout;

import dev.aviary.policy.Step;
import dev.aviary.traffic.TrafficSplit;

/**
 * A {@link TrafficSplit} as stored in the CanaryRollout (flat, JSON-friendly). {@code pins} is absent, so false, in
 * statuses written before arm pins existed.
 */
public record Weights(int canary, String header, String headerMatch, String headerValue, double mirror, boolean pins) {

    public static Weights of(TrafficSplit s) {
        Step.HeaderMatch h = s.headerRoute();
        return new Weights(s.canaryWeight(), h == null ? null : h.header(), h == null ? null : h.type().name().toLowerCase(),
                h == null ? null : h.value(), s.mirrorPercent(), s.armPins());
    }

    public TrafficSplit toSplit() {
        Step.HeaderMatch h = header == null ? null
                : new Step.HeaderMatch(header, Step.HeaderMatch.MatchType.valueOf(headerMatch.toUpperCase()), headerValue);
        return new TrafficSplit(canary, h, mirror, pins);
    }
}
