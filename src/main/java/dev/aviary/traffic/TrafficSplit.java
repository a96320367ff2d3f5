package dev.aviary.traffic;

import dev.aviary.policy.Step;

/**
 * The managed part of a target's routing, as Aviary reads or writes it.
 *
 * @param canaryWeight  canary weight on the managed route (0-100); the baseline gets the rest
 * @param headerRoute   the managed header route to the canary, null when absent
 * @param mirrorPercent percentage of traffic mirrored to the canary, 0 when no mirror
 * @param armPins       whether routes that pin a request to one arm by an Aviary-only header are in place (Istio), so
 *                      a shadow check can ask each arm directly; kept while a rollout with such a check runs, removed
 *                      when it ends. Routers that reach the arms without routes (KServe) never write or read it.
 */
public record TrafficSplit(int canaryWeight, Step.HeaderMatch headerRoute, double mirrorPercent, boolean armPins) {

    public TrafficSplit {
        if (canaryWeight < 0 || canaryWeight > 100) {
            throw new IllegalArgumentException("canary weight must be within 0-100, got " + canaryWeight);
        }
    }

    public TrafficSplit(int canaryWeight, Step.HeaderMatch headerRoute, double mirrorPercent) {
        this(canaryWeight, headerRoute, mirrorPercent, false);
    }

    public static final TrafficSplit BASELINE_ONLY = new TrafficSplit(0, null, 0);

    public int baselineWeight() {
        return 100 - canaryWeight;
    }

    /** The same split, with or without the arm pins. */
    public TrafficSplit withArmPins(boolean pins) {
        return pins == armPins ? this : new TrafficSplit(canaryWeight, headerRoute, mirrorPercent, pins);
    }

    /** The split a step asks for. */
    public static TrafficSplit forStep(Step step) {
        return switch (step.kind()) {
            case WEIGHT -> new TrafficSplit(step.weight(), null, 0);
            case HEADER_ROUTE -> new TrafficSplit(0, step.headerRoute(), 0);
            case MIRROR -> new TrafficSplit(0, null, step.mirror());
            // a pause has no split of its own: it holds the one before it (Policy.servedStep)
            case PAUSE -> throw new IllegalArgumentException("a pause step holds the split of the step before it");
        };
    }

    /** "70/30", "100/0 + header user-group=canary", "100/0 + mirror 20%", "70/30 + arm pins". */
    public String describe() {
        StringBuilder s = new StringBuilder(baselineWeight() + "/" + canaryWeight);
        if (headerRoute != null) s.append(" + header ").append(headerRoute.header()).append('=').append(headerRoute.value());
        if (mirrorPercent > 0) s.append(" + mirror ").append(mirrorPercent).append('%');
        if (armPins) s.append(" + arm pins");
        return s.toString();
    }
}
