package dev.aviary.sim.kserve;

/**
 * What Knative's queue-proxy exports per revision, as the simulator writes it: the names and buckets of
 * {@link dev.aviary.knative.KnativeMetrics} (where the sources are cited), with every label the queue-proxy puts on
 * them. The simulator does not offer Knative &ge; 1.19's OpenTelemetry names: one endpoint cannot carry per-pod
 * resource attributes truthfully.
 */
public final class KnativeMetrics {

    public static final String REQUEST_COUNT = dev.aviary.knative.KnativeMetrics.REQUEST_COUNT;
    public static final String REQUEST_LATENCIES = dev.aviary.knative.KnativeMetrics.REQUEST_LATENCIES;
    static final String[] LABELS = {"namespace_name", "service_name", "configuration_name", "revision_name", "pod_name", "container_name",
        "response_code", "response_code_class"};

    private KnativeMetrics() {}

    /** A fresh copy of the queue-proxy's latency bucket bounds (ms, ascending; +Inf implied). */
    public static double[] latencyBucketsMs() {
        return dev.aviary.knative.KnativeMetrics.latencyBucketsMs();
    }
}
