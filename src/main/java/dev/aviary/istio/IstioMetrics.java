package dev.aviary.istio;

/**
 * What Istio's sidecars export, as Aviary reads it (metrics.prometheus, the policy's latency presets) and as the
 * simulators fake it (sim, simulate): one place, so a check and the mesh it is tested on cannot drift apart.
 * A leaf: it imports nothing of Aviary, so every floor may use it.
 */
public final class IstioMetrics {

    /** The request counter, labelled by response_code. */
    public static final String REQUESTS = "istio_requests_total";
    /** The request-duration histogram, in milliseconds. */
    public static final String REQUEST_DURATION = "istio_request_duration_milliseconds";

    /** Istio's default bucket bounds of {@link #REQUEST_DURATION} (ms, ascending; +Inf implied). */
    private static final double[] DURATION_BUCKETS_MS = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
        30000, 60000, 300000, 600000, 1800000, 3600000};

    private IstioMetrics() {}

    /** A fresh copy of Istio's default duration bucket bounds (ms, ascending; +Inf implied). */
    public static double[] durationBucketsMs() {
        return DURATION_BUCKETS_MS.clone();
    }
}
