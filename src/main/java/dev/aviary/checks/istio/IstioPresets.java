package dev.aviary.checks.istio;

import dev.aviary.checks.Comparison;
import dev.aviary.checks.Preset;
import dev.aviary.checks.PresetFamily;
import dev.aviary.checks.RequestPresets;
import dev.aviary.checks.Threshold;
import dev.aviary.istio.IstioMetrics;
import dev.aviary.metrics.RequestMetrics;
import dev.aviary.policy.IstioTarget;
import dev.aviary.policy.Target;

import java.util.List;

/**
 * The presets over Istio's standard metrics (what its sidecars export for every request), and those metrics'
 * names and labels. The arm label is the backend's configured one ({@code aviary.prometheus.arm-label}).
 */
public final class IstioPresets implements PresetFamily {

    /** Istio's request telemetry, as the destination's sidecar reports it. */
    public static final RequestMetrics METRICS = new RequestMetrics(IstioMetrics.REQUESTS,
            IstioMetrics.REQUEST_DURATION + "_bucket", "response_code=~\"5..\"", "reporter=\"destination\"",
            "destination_service_namespace", "destination_service_name", null);
    /** The quantile of {@code istio-latency-p99}. */
    public static final double P99 = RequestPresets.P99;

    public static final Comparison.Preset ERROR_RATE = RequestPresets.errorRate("istio-error-rate", METRICS);
    public static final Comparison.Preset SLOW_REQUESTS = RequestPresets.slowRequests("istio-slow-requests", METRICS);
    public static final Threshold.Preset SUCCESS_RATE = RequestPresets.successRate("istio-success-rate", METRICS);
    public static final Threshold.Preset LATENCY_P99 = RequestPresets.latencyP99("istio-latency-p99", METRICS,
            IstioMetrics.durationBucketsMs(), "Istio's latency histogram");

    @Override
    public List<Preset> presets() {
        return List.of(ERROR_RATE, SLOW_REQUESTS, SUCCESS_RATE, LATENCY_P99);
    }

    @Override
    public RequestMetrics metrics() {
        return METRICS;
    }

    @Override
    public boolean serves(Target target) {
        // an InferenceService in Standard mode is served by predictor pods with Istio sidecars (no Knative queue-proxy)
        return target instanceof IstioTarget || target instanceof dev.aviary.policy.KServeTarget;
    }
}
