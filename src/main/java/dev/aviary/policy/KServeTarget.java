package dev.aviary.policy;

/**
 * A KServe InferenceService. Policies naming one are read and validated now; no router moves its traffic yet, so
 * the controller holds such a rollout and says so rather than pretending.
 */
public record KServeTarget(String inferenceService) implements Target {

    @Override
    public String describe() {
        return "InferenceService/" + inferenceService;
    }
}
