package dev.aviary.policy;

/**
 * What a policy moves traffic on: one record per kind of target (IstioTarget, KServeTarget), each read from its
 * own mapping under {@code spec.target} by its own section validator. A router takes its own kind
 * ({@code traffic.TrafficRouter}), so adding a kind is a record, a section validator registered with the target
 * section, and a router: no switch over kinds anywhere else.
 */
public interface Target {

    /** A short human name: "VirtualService/image-classifier". */
    String describe();

    /**
     * Whether its router reaches each arm through routes Aviary adds to the target (Istio: routes pinned by an
     * Aviary-only header), so a rollout with a check that asks the arms directly must ask for them in its splits.
     * False when the arms have addresses of their own (KServe's revision and predictor Services).
     */
    default boolean pinsArmsByRoute() {
        return false;
    }
}
