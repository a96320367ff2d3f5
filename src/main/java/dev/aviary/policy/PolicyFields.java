package dev.aviary.policy;

import java.util.List;

/**
 * The field names each level of a policy file knows, in the order the schema documents them. The validator
 * flags anything else (with a did-you-mean), and a test keeps the JSON Schema in step with these lists.
 */
final class PolicyFields {

    static final List<String> TOP = List.of("apiVersion", "kind", "metadata", "spec");
    static final List<String> METADATA = List.of("name", "namespace", "labels", "annotations");
    static final List<String> SPEC = List.of("target", "interval", "steps", "maxStepDuration", "onTimeout", "noData",
            "checks", "alpha", "minRequests", "notify");
    static final List<String> TARGET = List.of("istio", "kserve");
    static final List<String> ISTIO = List.of("virtualService", "route", "baseline", "canary");
    static final List<String> ARM = List.of("subset", "version", "host");
    static final List<String> KSERVE = List.of("inferenceService", "component");
    static final List<String> STEP = List.of("weight", "headerRoute", "mirror", "pause", "minDuration");
    static final List<String> PAUSE = List.of("duration");
    static final List<String> HEADER_ROUTE = List.of("header", "exact", "prefix", "regex");
    static final List<String> NO_DATA = List.of("tolerate", "then");
    /** source, minAgreement and minPairs belong to the shadow checks (shadow-agreement, prediction-drift). */
    static final List<String> CHECK = List.of("name", "type", "preset", "query", "totalQuery", "tolerance",
            "slowerThan", "min", "max", "minSamples", "arm", "minAgreement", "minPairs", "source");
    static final List<String> NOTIFY = List.of("slack", "webhook");
    static final List<String> SLACK = List.of("secretRef");
    static final List<String> WEBHOOK = List.of("url", "secretRef");

    static final String API_VERSION = "aviary.dev/v1";
    static final String KIND = "CanaryPolicy";

    private PolicyFields() {}
}
