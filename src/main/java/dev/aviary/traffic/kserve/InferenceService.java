package dev.aviary.traffic.kserve;

import dev.aviary.traffic.Json;
import dev.aviary.traffic.TargetException;

import java.util.List;
import java.util.Map;

/**
 * An InferenceService as read: a private, editable copy of the raw object, and what both canary modes read from
 * it (its conditions, its deployment mode).
 */
record InferenceService(String key, Map<String, Object> object) {

    /** The annotation and status field KServe keeps the deployment mode in (pkg/constants: DeploymentMode). */
    static final String MODE_ANNOTATION = "serving.kserve.io/deploymentMode";

    enum Mode { SERVERLESS, STANDARD }

    String resourceVersion() {
        return Json.string(Json.map(object, "metadata"), "resourceVersion");
    }

    String name() {
        return Json.string(Json.map(object, "metadata"), "name");
    }

    Map<String, Object> spec() throws TargetException.Invalid {
        Map<String, Object> spec = Json.map(object, "spec");
        if (spec == null) throw new TargetException.Invalid("InferenceService " + key + " has no spec");
        return spec;
    }

    Map<String, Object> status() {
        return Json.map(object, "status");
    }

    /**
     * Serverless (Knative) or Standard (RawDeployment), from the object alone: what KServe reports in
     * status.deploymentMode, else the annotation that asks for a mode, else spec.canary[] (Standard only), else
     * Serverless, the mode whose canaryTrafficPercent Aviary then moves. KServe spells the modes "Serverless" or
     * "Knative" and "RawDeployment" or "Standard" (pkg/constants ParseDeploymentMode).
     */
    Mode mode() {
        String reported = Json.string(status(), "deploymentMode");
        if (reported == null) reported = Json.string(Json.map(Json.map(object, "metadata"), "annotations"), MODE_ANNOTATION);
        if (reported != null) {
            if (reported.equalsIgnoreCase("RawDeployment") || reported.equalsIgnoreCase("Standard")) return Mode.STANDARD;
            if (reported.equalsIgnoreCase("Serverless") || reported.equalsIgnoreCase("Knative")) return Mode.SERVERLESS;
        }
        return Json.list(Json.map(object, "spec"), "canary") != null ? Mode.STANDARD : Mode.SERVERLESS;
    }

    /** The condition of {@code type} as "True", "False", "Unknown" (with its reason and message), or null when absent. */
    Map<String, Object> condition(String type) {
        List<Object> conditions = Json.list(status(), "conditions");
        if (conditions == null) return null;
        for (Object c : conditions) {
            Map<String, Object> m = Json.map(c);
            if (m != null && type.equals(Json.string(m, "type"))) return m;
        }
        return null;
    }

    boolean isTrue(String conditionType) {
        return "True".equals(Json.string(condition(conditionType), "status"));
    }

    /** "Ready=False (RevisionMissing: ...)" for a message; "no Ready condition" when KServe reports none. */
    String describeCondition(String type) {
        Map<String, Object> c = condition(type);
        if (c == null) return "no " + type + " condition";
        String reason = Json.string(c, "reason");
        String message = Json.string(c, "message");
        String detail = reason == null && message == null ? ""
                : " (" + (reason == null ? "" : reason) + (reason != null && message != null ? ": " : "")
                + (message == null ? "" : Json.oneLine(message)) + ")";
        return type + "=" + Json.string(c, "status") + detail;
    }

    /** KServe has not yet reconciled the latest spec (status.observedGeneration behind metadata.generation). */
    String staleGeneration() {
        Number generation = Json.number(Json.map(object, "metadata"), "generation");
        Number observed = Json.number(status(), "observedGeneration");
        if (generation == null || observed == null || observed.longValue() >= generation.longValue()) return null;
        return "KServe has reconciled generation " + observed + " of " + generation;
    }
}
