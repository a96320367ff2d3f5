package dev.aviary.sim.kserve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.metrics.prometheus.PrometheusClient;
import dev.aviary.metrics.prometheus.TestPrometheusConfig;
import dev.aviary.sandbox.Manifests;
import dev.aviary.sandbox.PrometheusServer;
import dev.aviary.sim.ArmBehaviour;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulator on the mock API server in CRUD mode: the tutorial's canary applied with kubectl-like writes, the status
 * KServe would report, traffic split by that status, and Knative's series per revision in a real Prometheus.
 */
class KServeSimulatorTest {

    static final String NS = "kserve-deployments", R1 = "fraud-classifier-predictor-00001", R2 = "fraud-classifier-predictor-00002";
    static final ArmBehaviour XGB = new ArmBehaviour(0.01, 30, 0.5), RF = new ArmBehaviour(0.05, 30, 0.5);

    @TempDir
    Path dir;
    KubernetesMockServer api;
    NamespacedKubernetesClient client;
    KServeSimulator kserve;

    @BeforeEach
    void start() {
        api = new KubernetesMockServer(new Context(), new MockWebServer(), new java.util.HashMap<>(), new KubernetesCrudDispatcher(), false);
        api.init(java.net.InetAddress.getLoopbackAddress(), 0);
        client = api.createClient();
    }

    @AfterEach
    void stop() {
        if (kserve != null) kserve.close();
        client.close();
        api.destroy();
    }

    @Test
    void theTutorialsCanaryIsReportedAfterADelayServedByStatusAndScrapedPerRevision() throws Exception {
        create("kserve/fraud-classifier.yaml");
        kserve = simulator(null, 400);
        waitFor(() -> traffic(), t -> t.equals(List.of(entry(null, R1, true, 100))), "xgb rolled out");
        assertEquals(R1, predictor().get("latestRolledoutRevision"));

        // the tutorial's second kubectl apply: the random forest at 20%
        GenericKubernetesResource canary = load("kserve/fraud-classifier-canary.yaml");
        GenericKubernetesResource live = get();
        live.getAdditionalProperties().put("spec", canary.getAdditionalProperties().get("spec"));
        client.genericKubernetesResources(KServeSimulator.CONTEXT).inNamespace(NS).resource(live).update();
        Instant applied = Instant.now();
        List<?> split = waitFor(() -> traffic(), t -> t.size() == 2 && R2.equals(Json.map(t.get(0)).get("revisionName")), "the 20/80 split");
        assertTrue(Duration.between(applied, Instant.now()).toMillis() >= 1000, "KServe reports the split only after Knative programmed it");
        assertEquals(List.of(entry(null, R2, true, 20), Map.of("tag", "prev", "revisionName", R1, "latestRevision", false, "percent", 80,
                "url", "http://prev-fraud-classifier-predictor.kserve-deployments.example.com")), split);
        assertEquals(R1, predictor().get("latestRolledoutRevision"));
        // traffic follows the status as read back at the next round
        waitFor(() -> kserve.split(NS, "fraud-classifier"), s -> s.equals(Map.of(R1, 80L, R2, 20L)), "the split read back");

        try (PrometheusServer prometheus = PrometheusServer.start(dir.resolve("prometheus"), "127.0.0.1:" + kserve.port())) {
            PrometheusClient p = new PrometheusClient(new TestPrometheusConfig(prometheus.url()));
            String byRevision = "sum by (revision_name) (increase(revision_app_request_count{namespace_name=\"kserve-deployments\","
                    + "service_name=\"fraud-classifier-predictor\",configuration_name=\"fraud-classifier-predictor\"}[10s]))";
            Map<String, Double> counts = waitFor(() -> query(p, byRevision, "revision_name"), m -> m.getOrDefault(R2, 0.0) > 300
                    && m.getOrDefault(R1, 0.0) > 1200, "10 s of split traffic in Prometheus");
            double share = counts.get(R2) / (counts.get(R1) + counts.get(R2));
            assertTrue(share > 0.15 && share < 0.25, "the canary's share of requests is KServe's 20%: " + counts);

            Map<String, Double> errors = query(p, "sum by (revision_name) (revision_app_request_count{response_code_class=\"5xx\","
                    + "response_code=\"503\"}) / sum by (revision_name) (revision_app_request_count)", "revision_name");
            assertTrue(errors.get(R2) > 0.025 && errors.get(R1) < 0.02, "the random forest fails 5x as often: " + errors);
            Map<String, Double> buckets = query(p, "count by (le) (revision_app_request_latencies_bucket{revision_name=\"" + R2
                    + "\",container_name=\"queue-proxy\"})", "le");
            // the Java client writes le="250.0" where Knative's exporter writes le="250": presets must match bounds by value
            assertEquals(List.of(5.0, 10.0, 20.0, 40.0, 60.0, 80.0, 100.0, 150.0, 200.0, 250.0, 300.0, 350.0, 400.0, 450.0, 500.0, 600.0, 700.0,
                    800.0, 900.0, 1000.0, 2000.0, 5000.0, 10000.0, 20000.0, 50000.0, 100000.0, Double.POSITIVE_INFINITY),
                    buckets.keySet().stream().map(le -> le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le)).sorted().toList(),
                    "queue-proxy's ms buckets (knative/serving pkg/queue/request_metric.go before OpenTelemetry)");
        }

        // promotion: the field removed
        live = get();
        Json.map(Json.map(live.getAdditionalProperties().get("spec")).get("predictor")).remove("canaryTrafficPercent");
        client.genericKubernetesResources(KServeSimulator.CONTEXT).inNamespace(NS).resource(live).update();
        waitFor(() -> traffic(), t -> t.equals(List.of(entry(null, R2, true, 100))), "the random forest at 100%");
        assertEquals(R2, predictor().get("latestRolledoutRevision"));
        assertEquals(R1, predictor().get("previousRolledoutRevision"));
        waitFor(() -> kserve.split(NS, "fraud-classifier"), s -> s.equals(Map.of(R2, 100L)), "all traffic on the random forest");
    }

    @Test
    void aReportedStatusIsContinuedAndCanaryZeroPinsThePreviousRevision() throws Exception {
        GenericKubernetesResource reported = create("kserve/fraud-classifier-canary-status.yaml");
        Object before = Json.map(Json.map(reported.getAdditionalProperties().get("status")).get("components")).get("predictor");
        kserve = simulator("fraud-classifier:xgb", 50);
        waitFor(() -> kserve.split(NS, "fraud-classifier"), s -> !s.isEmpty(), "the reported split read");
        Thread.sleep(1500);
        assertEquals(Json.map(before).get("traffic"), traffic(), "KServe's own report stands: nothing changed");
        assertEquals(Map.of(R1, 80L, R2, 20L), kserve.split(NS, "fraud-classifier"));

        GenericKubernetesResource live = get();
        Json.map(Json.map(live.getAdditionalProperties().get("spec")).get("predictor")).put("canaryTrafficPercent", 0); // rollback
        client.genericKubernetesResources(KServeSimulator.CONTEXT).inNamespace(NS).resource(live).update();
        waitFor(() -> kserve.split(NS, "fraud-classifier"), s -> s.getOrDefault(R1, 0L) == 100L, "xgb pinned at 100%");
        assertEquals(R1, predictor().get("latestRolledoutRevision"));
        assertEquals(R2, predictor().get("latestCreatedRevision"));
    }

    private KServeSimulator simulator(String previousModel, double rps) throws Exception {
        return new KServeSimulator(client, List.of(new KServeSimulator.Service(NS, "fraud-classifier", rps, Map.of("fraud-classifier:rf", RF),
                XGB, previousModel)), Duration.ofSeconds(1), Clock.systemUTC(), 7).start();
    }

    private GenericKubernetesResource create(String resource) {
        GenericKubernetesResource o = load(resource);
        return client.genericKubernetesResources(KServeSimulator.CONTEXT).inNamespace(NS).resource(o).create();
    }

    private static GenericKubernetesResource load(String resource) {
        return Manifests.readResources(List.of(resource)).items().get(0).object();
    }

    private GenericKubernetesResource get() {
        return client.genericKubernetesResources(KServeSimulator.CONTEXT).inNamespace(NS).withName("fraud-classifier").get();
    }

    private Map<String, Object> predictor() {
        return Json.map(Json.map(Json.map(get().getAdditionalProperties().get("status")).get("components")).get("predictor"));
    }

    private List<?> traffic() {
        return Json.list(predictor().get("traffic"));
    }

    private static Map<String, Object> entry(String tag, String revision, boolean latest, long percent) {
        return new TrafficTarget(revision, latest, percent, tag, null).toJson();
    }

    private static Map<String, Double> query(PrometheusClient p, String q, String label) throws Exception {
        Map<String, Double> m = new TreeMap<>();
        for (PrometheusClient.Sample s : p.query(q)) m.put(s.labels().getOrDefault(label, ""), s.value());
        return m;
    }

    interface Check<T> {
        T get() throws Exception;
    }

    private static <T> T waitFor(Check<T> value, Predicate<T> done, String what) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(40));
        T last = null;
        while (Instant.now().isBefore(deadline)) {
            last = value.get();
            if (done.test(last)) return last;
            Thread.sleep(100);
        }
        throw new AssertionError("no " + what + " within 40 s; last: " + last);
    }
}
