package dev.aviary.sim;

import dev.aviary.istio.IstioMetrics;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Istio's standard request metrics as a destination sidecar reports them, for the simulators to write: the request
 * counter and the duration histogram, labelled as Istio labels them (the subset of its labels the presets read).
 * Shared by the mesh simulator (VirtualService arms) and the KServe simulator (Standard-mode predictor services).
 */
public final class IstioExporter {

    private static final String[] LABELS = {"reporter", "source_workload", "destination_service_name", "destination_service_namespace",
        "destination_workload", "destination_version", "response_code", "request_protocol"};
    /** The caller: requests come in through the ingress gateway. */
    private static final String SOURCE = "istio-ingressgateway";
    /** What Istio reports for a workload or version it cannot tell (no pods, or pods without a version label). */
    public static final String UNKNOWN = "unknown";

    private final Counter requests;
    private final Histogram duration;

    public IstioExporter(PrometheusRegistry registry) {
        requests = Counter.builder().name(IstioMetrics.REQUESTS).help("Requests served, as Istio's sidecars count them")
                .labelNames(LABELS).register(registry);
        duration = Histogram.builder().name(IstioMetrics.REQUEST_DURATION).help("Request duration, as Istio measures it")
                .classicOnly().classicUpperBounds(IstioMetrics.durationBucketsMs()).labelNames(LABELS).register(registry);
    }

    /** One request a workload served, with its response code and latency. */
    public void served(String service, String namespace, String workload, String version, int code, double latencyMs) {
        String[] labels = {"destination", SOURCE, service, namespace, workload, version, Integer.toString(code), "http"};
        requests.labelValues(labels).inc();
        duration.labelValues(labels).observe(latencyMs);
    }

    /** One request no workload saw: Istio answers 503 itself (no such subset, "NR"; no healthy pods, "UH"). */
    public void unrouted(String service, String namespace) {
        requests.labelValues("destination", SOURCE, service, namespace, UNKNOWN, UNKNOWN, "503", "http").inc();
    }
}
