package dev.aviary.traffic;

/**
 * The values that tell the two arms apart in metrics (Istio: {@code destination_version}, the pods' version
 * label; KServe: the revision names).
 */
public record ArmLabels(String baseline, String canary) {}
