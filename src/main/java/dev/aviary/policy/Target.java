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
}
