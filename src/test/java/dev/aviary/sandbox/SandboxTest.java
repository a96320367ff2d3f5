package dev.aviary.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.metrics.prometheus.PrometheusClient;
import dev.aviary.metrics.prometheus.TestPrometheusConfig;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sandbox's parts work together: traffic follows the VirtualService, and a real Prometheus sees it. */
class SandboxTest {

    @TempDir
    static Path dir;
    static Sandbox sandbox;
    static PrometheusClient prometheus;

    @BeforeAll
    static void start() throws Exception {
        sandbox = Sandbox.start(dir, Rehearsal.demo().contents());
        prometheus = new PrometheusClient(new TestPrometheusConfig(sandbox.prometheus().url()));
    }

    @AfterAll
    static void stop() {
        if (sandbox != null) sandbox.close();
    }

    @Test
    void trafficFollowsTheWeightsReadBackFromTheApiServer() throws Exception {
        String q = "sum by (destination_version) (istio_requests_total{destination_service_namespace=\"default\"})";
        Map<String, Double> before = waitFor(q, m -> m.getOrDefault("v1", 0.0) > 50);
        assertEquals(0.0, before.getOrDefault("v2", 0.0), "weight 0 and no header route: the canary gets nothing");

        GenericKubernetesResource vs = sandbox.client().genericKubernetesResources("networking.istio.io/v1alpha3", "VirtualService")
                .inNamespace("default").withName("image-classifier").get();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> http = (List<Map<String, Object>>) ((Map<String, Object>) vs.getAdditionalProperties().get("spec")).get("http");
        // the weighted route: the one with two destinations (the demo's VirtualService may hold others)
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> route = http.stream().map(r -> (List<Map<String, Object>>) r.get("route"))
                .filter(r -> r != null && r.size() == 2).findFirst().orElseThrow();
        route.get(0).put("weight", 50);
        route.get(1).put("weight", 50);
        sandbox.client().resource(vs).update();

        Map<String, Double> after = waitFor(q, m -> m.getOrDefault("v2", 0.0) > 50);
        assertTrue(after.get("v2") > 50, "the canary serves once its weight is 50: " + after);
        // the fraud-detector in its own namespace is untouched by the image-classifier's weights
        Map<String, Double> fraud = waitFor("sum by (destination_version) (istio_requests_total{destination_service_namespace=\"payments\"})",
                m -> m.getOrDefault("v1", 0.0) > 50);
        assertEquals(0.0, fraud.getOrDefault("v2", 0.0));
    }

    @Test
    void latencyHistogramHasIstiosBuckets() throws Exception {
        Map<String, Double> buckets = waitFor("count by (le) (istio_request_duration_milliseconds_bucket)", m -> m.size() > 10);
        assertTrue(buckets.keySet().stream().anyMatch(le -> le.startsWith("250")), "a 250 ms bucket: " + buckets.keySet());
    }

    private static Map<String, Double> waitFor(String q, java.util.function.Predicate<Map<String, Double>> done) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(40));
        Map<String, Double> last = Map.of();
        while (Instant.now().isBefore(deadline)) {
            Map<String, Double> m = new java.util.TreeMap<>();
            for (PrometheusClient.Sample s : prometheus.query(q)) {
                String key = s.labels().getOrDefault("destination_version", s.labels().getOrDefault("le", ""));
                m.put(key, s.value());
            }
            last = m;
            if (done.test(m)) return m;
            Thread.sleep(500);
        }
        throw new AssertionError("timed out waiting on " + q + "; last: " + last);
    }
}
