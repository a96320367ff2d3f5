package dev.aviary.traffic;

/**
 * The values that tell the two arms apart in metrics (Istio: {@code destination_version}, the pods' version
 * label; KServe: the revision names), and the service they belong to, so two models that both label their pods
 * v1/v2 in one namespace are not mixed up.
 *
 * @param service the destination service's short name, null when the router cannot tell
 * @param label   the metric label these values are, when the router knows better than the preset family (KServe
 *                Standard mode: Istio's {@code destination_service_name}, the predictor services); null otherwise
 */
public record ArmLabels(String baseline, String canary, String service, String label) {

    public ArmLabels(String baseline, String canary, String service) {
        this(baseline, canary, service, null);
    }

    public ArmLabels(String baseline, String canary) {
        this(baseline, canary, null);
    }
}
