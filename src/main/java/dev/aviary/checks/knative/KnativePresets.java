package dev.aviary.checks.knative;

import dev.aviary.checks.Comparison;
import dev.aviary.checks.Preset;
import dev.aviary.checks.PresetFamily;
import dev.aviary.checks.RequestPresets;
import dev.aviary.checks.Threshold;
import dev.aviary.knative.KnativeMetrics;
import dev.aviary.metrics.RequestMetrics;
import dev.aviary.policy.KServeTarget;
import dev.aviary.policy.Target;

import java.util.List;

/**
 * The presets over Knative's queue-proxy metrics (Knative &lt; 1.19, see {@link KnativeMetrics} for the sources and
 * why Knative &ge; 1.19's OpenTelemetry names are left out), for KServe's Serverless InferenceServices: the arms are
 * revisions ({@code revision_name}), which the KServe router reads from the InferenceService's status at each tick;
 * the service is the component's Knative Service ({@code fraud-classifier-predictor}).
 */
public final class KnativePresets implements PresetFamily {

    /** The queue-proxy's request telemetry; a 5xx is its response_code_class. */
    public static final RequestMetrics METRICS = new RequestMetrics(KnativeMetrics.REQUEST_COUNT,
            KnativeMetrics.REQUEST_LATENCIES + "_bucket", "response_code_class=\"5xx\"", "",
            KnativeMetrics.NAMESPACE, KnativeMetrics.SERVICE, KnativeMetrics.REVISION);

    public static final Comparison.Preset ERROR_RATE = RequestPresets.errorRate("knative-error-rate", METRICS);
    public static final Comparison.Preset SLOW_REQUESTS = RequestPresets.slowRequests("knative-slow-requests", METRICS);
    public static final Threshold.Preset LATENCY_P99 = RequestPresets.latencyP99("knative-latency-p99", METRICS,
            KnativeMetrics.latencyBucketsMs(), "Knative's request-latency histogram");

    @Override
    public List<Preset> presets() {
        return List.of(ERROR_RATE, SLOW_REQUESTS, LATENCY_P99);
    }

    @Override
    public RequestMetrics metrics() {
        return METRICS;
    }

    @Override
    public boolean serves(Target target) {
        return target instanceof KServeTarget;
    }
}
