package dev.aviary.knative;

/**
 * What Knative's queue-proxy exports per revision, as Aviary reads it (the knative-* presets) and as the KServe
 * simulator fakes it (sim.kserve): one place, so a check and the simulator cannot drift apart. A leaf: it imports
 * nothing of Aviary, so every floor may use it.
 *
 * <p>Followed from knative/serving before the OpenTelemetry migration (6dff362787^, i.e. Knative &lt; 1.19):
 * pkg/queue/request_metric.go registers {@code app_request_count} (a count) and {@code app_request_latencies} (a
 * distribution in milliseconds with the bounds below) with tag keys pod_name, container_name, response_code,
 * response_code_class ("5xx", pkg/metrics/tags.go {@code responseCodeClass}) on a knative_revision resource labelled
 * namespace_name, service_name, configuration_name, revision_name (pkg/metrics/key.go, tags.go
 * {@code augmentWithRevision}); the queue-proxy's metrics component is "revision" (pkg/queue/sharedmain/main.go), so
 * Prometheus sees {@code revision_app_request_count} and {@code revision_app_request_latencies_bucket}.
 *
 * <p>Knative &ge; 1.19 (knative/serving 98e5ef90aa70, pkg/queue/request_metric.go) exports instead
 * {@code kn.serving.invocation.duration} (seconds, attribute http.response.status_code), and the revision, service and
 * namespace are OpenTelemetry resource attributes (pkg/queue/sharedmain/otel.go {@code kn.revision.name}, ...), which
 * knative/pkg's Prometheus exporter (observability/metrics/prometheus_enabled.go) does not copy onto the series: in
 * Prometheus they are on {@code target_info} only. A per-revision query would need a join on target_info that depends
 * on how the scrape is labelled, so Aviary offers no presets for those names; write the query in the policy instead.
 */
public final class KnativeMetrics {

    /** The request counter, labelled by revision_name, response_code and response_code_class. */
    public static final String REQUEST_COUNT = "revision_app_request_count";
    /** The request-latency histogram, in milliseconds. */
    public static final String REQUEST_LATENCIES = "revision_app_request_latencies";
    /** The label that names the revision: the arms of a Serverless InferenceService. */
    public static final String REVISION = "revision_name";
    public static final String NAMESPACE = "namespace_name";
    /** The Knative Service's name ({@code {isvc}-predictor} for a KServe predictor). */
    public static final String SERVICE = "service_name";

    private static final double[] LATENCY_BUCKETS_MS = {5, 10, 20, 40, 60, 80, 100, 150, 200, 250, 300, 350, 400, 450, 500, 600, 700,
        800, 900, 1000, 2000, 5000, 10000, 20000, 50000, 100000};

    private KnativeMetrics() {}

    /** A fresh copy of the queue-proxy's latency bucket bounds (ms, ascending; +Inf implied). */
    public static double[] latencyBucketsMs() {
        return LATENCY_BUCKETS_MS.clone();
    }
}
