package dev.aviary.policy;

import java.util.List;
import java.util.Objects;

/**
 * A KServe InferenceService ({@code serving.kserve.io/v1beta1}).
 *
 * @param inferenceService the InferenceService's name
 * @param component        the component whose canary is rolled out: {@code predictor} (the default),
 *                         {@code transformer} or {@code explainer}; each has its own {@code canaryTrafficPercent}
 *                         and revisions in Serverless mode (Standard mode's {@code spec.canary[]} is predictors only)
 */
public record KServeTarget(String inferenceService, String component) implements Target {

    public static final String PREDICTOR = "predictor";
    /** KServe's component types (pkg/apis/serving/v1beta1 ComponentType). */
    public static final List<String> COMPONENTS = List.of(PREDICTOR, "transformer", "explainer");

    public KServeTarget {
        Objects.requireNonNull(inferenceService, "inferenceService");
        component = component == null ? PREDICTOR : component;
        if (!COMPONENTS.contains(component)) {
            throw new IllegalArgumentException("component must be one of " + COMPONENTS + ", got " + component);
        }
    }

    public KServeTarget(String inferenceService) {
        this(inferenceService, PREDICTOR);
    }

    @Override
    public String describe() {
        return "InferenceService/" + inferenceService + (PREDICTOR.equals(component) ? "" : " (" + component + ")");
    }
}
