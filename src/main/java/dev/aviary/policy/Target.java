package dev.aviary.policy;

/** What a policy moves traffic on: exactly one of {@code istio} or {@code kserve} is set. */
public record Target(IstioTarget istio, KServeTarget kserve) {

    public static Target istio(IstioTarget t) {
        return new Target(t, null);
    }

    public static Target kserve(KServeTarget t) {
        return new Target(null, t);
    }

    /** A short human name: "VirtualService/image-classifier". */
    public String describe() {
        return istio != null ? "VirtualService/" + istio.virtualService() : "InferenceService/" + kserve.inferenceService();
    }

    /**
     * @param route    the http route's name; null means "the route whose destinations hold both subsets"
     * @param baseline the baseline arm
     * @param canary   the canary arm
     */
    public record IstioTarget(String virtualService, String route, Arm baseline, Arm canary) {}

    /**
     * @param subset  the DestinationRule subset the route sends to
     * @param version the value of the metrics' arm label (destination_version by default); null means
     *                "the subset's {@code version} label in the DestinationRule, else the subset name"
     * @param host    the destination host; null means "the host already in the route"
     */
    public record Arm(String subset, String version, String host) {}

    public record KServeTarget(String inferenceService) {}
}
