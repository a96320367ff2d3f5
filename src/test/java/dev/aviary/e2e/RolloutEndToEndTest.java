package dev.aviary.e2e;

import dev.aviary.checks.CheckTypes;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.analysis.Outcome;
import dev.aviary.daemon.Engine;
import dev.aviary.metrics.MetricSource;
import dev.aviary.policy.PolicyStore;
import dev.aviary.rollout.CanaryRollout;
import dev.aviary.rollout.Decision;
import dev.aviary.rollout.HistoryEntry;
import dev.aviary.rollout.Phase;
import dev.aviary.rollout.RolloutController;
import dev.aviary.rollout.RolloutRepository;
import dev.aviary.sandbox.Sandbox;
import dev.aviary.telemetry.Dashboard;
import dev.aviary.telemetry.Scrape;
import dev.aviary.traffic.TrafficRouters;
import dev.aviary.traffic.istio.IstioRouter;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The real application against the sandbox: the fabric8 mock API server in CRUD mode holding real-shaped Istio
 * objects, the mesh simulator, and a real Prometheus. Four rollouts run side by side; each test drives one.
 */
@QuarkusTest
@QuarkusTestResource(value = SandboxResource.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RolloutEndToEndTest {

    /** The VirtualServices' specs as the team wrote them, taken before Aviary's first tick. */
    private static final Map<String, Map<String, Object>> ORIGINAL = new java.util.concurrent.ConcurrentHashMap<>();

    @InjectSandbox
    Sandbox sandbox;

    @Inject
    Engine engine;

    @Inject
    RolloutRepository rollouts;

    @Inject
    KubernetesClient client;

    @Inject
    MetricSource metrics;

    @Inject
    CheckTypes judges;

    @Inject
    PolicyStore policies;

    @Test
    @Order(1)
    void badCanaryIsRolledBackAndOnlyTheManagedFieldsChange() {
        for (String vs : List.of("default/image-classifier", "payments/fraud-detector", "search/ranker", "vision/detector")) {
            ORIGINAL.put(vs, spec(vs.split("/")[0], vs.split("/")[1]));
        }
        Map<String, Object> before = ORIGINAL.get("payments/fraud-detector");
        engine.start();

        CanaryRollout cr = await(Duration.ofSeconds(90), () -> phase("payments", "fraud-detector") == Phase.RolledBack ? rollout("payments", "fraud-detector") : null,
                "fraud-detector rolled back");
        assertEquals(0, cr.getStatus().canaryWeight());
        assertTrue(cr.getStatus().checks().stream().anyMatch(c -> c.check().equals("errors") && c.outcome() == Outcome.FAIL),
                "the errors check failed: " + cr.getStatus().checks());
        assertEquals(Decision.ROLLBACK, cr.getStatus().lastDecision());
        // the VirtualService is back exactly where it started: 100/0, no managed header route
        assertEquals(before, spec("payments", "fraud-detector"));
        Event rollback = await(Duration.ofSeconds(10), () -> client.v1().events().inNamespace("payments").list().getItems().stream()
                .filter(e -> "Rollback".equals(e.getReason())).findFirst().orElse(null), "a Rollback event");
        assertEquals("Warning", rollback.getType());
        assertTrue(rollback.getMessage().contains("errors"), rollback.getMessage());
    }

    @Test
    @Order(2)
    void goodCanaryIsPromotedThroughEveryStepAndHoldsThroughAPrometheusOutage() throws Exception {
        Map<String, Object> before = ORIGINAL.get("default/image-classifier");
        engine.start();
        await(Duration.ofSeconds(90), () -> rollout("default", "image-classifier").getStatus().step() >= 1 ? true : null,
                "image-classifier past its header-route step");

        // The outage is judged on vision/detector, which is mid-step whatever the timing: image-classifier runs since
        // the first test and may finish its last step in the same tick fraud-detector is rolled back.
        sandbox.prometheus().stop();
        try {
            CanaryRollout held = await(Duration.ofSeconds(30), () -> {
                CanaryRollout cr = rollout("vision", "detector");
                return cr.getStatus().checks().stream().anyMatch(c -> c.outcome() == Outcome.NO_DATA) ? cr : null;
            }, "NO_DATA while Prometheus is down");
            int step = held.getStatus().step();
            int weight = canaryWeight("vision", "detector");
            Thread.sleep(8_000); // more than one minDuration: without data it must not move
            CanaryRollout still = rollout("vision", "detector");
            assertEquals(step, still.getStatus().step(), "no step taken without data");
            assertEquals(Phase.Progressing, still.getStatus().phase());
            assertEquals(Decision.HOLD, still.getStatus().lastDecision());
            assertEquals(weight, canaryWeight("vision", "detector"));
        } finally {
            sandbox.prometheus().resume();
        }

        CanaryRollout done = await(Duration.ofSeconds(120), () -> phase("default", "image-classifier") == Phase.Promoted
                ? rollout("default", "image-classifier") : null, "image-classifier promoted");
        // the p99 SLO was judged from Prometheus' histogram: its verdict carries the estimate and the counts
        var p99 = done.getStatus().checks().stream().filter(c -> c.check().equals("p99")).findFirst().orElseThrow();
        assertEquals(Outcome.PASS, p99.outcome(), p99.message());
        assertTrue(p99.evidence().estimate() > 0 && p99.evidence().estimate() < 1000, p99.message());
        assertTrue(p99.evidence().canaryTotal() > 0, p99.message());
        List<Decision> decisions = done.getStatus().history().stream().map(HistoryEntry::decision).toList();
        assertEquals(List.of(Decision.START, Decision.ADVANCE, Decision.ADVANCE, Decision.PROMOTE), decisions);
        assertEquals(List.of(0, 30, 50, 100), done.getStatus().history().stream().map(HistoryEntry::canaryWeight).toList());

        // only the weights of the managed route changed; the header route is gone; every other field is as it was
        Map<String, Object> expected = deepCopy(before);
        List<Map<String, Object>> route = primaryRoute(expected);
        route.get(0).put("weight", 0);
        route.get(1).put("weight", 100);
        assertEquals(expected, spec("default", "image-classifier"));
    }

    @Test
    @Order(3)
    void weightsChangedByAPersonPauseTheRolloutAndAreLeftAlone() throws Exception {
        engine.start();
        await(Duration.ofSeconds(60), () -> phase("search", "ranker") == Phase.Progressing ? true : null, "ranker progressing");

        GenericKubernetesResource vs = vs("search", "ranker");
        List<Map<String, Object>> route = primaryRoute(vs.getAdditionalProperties());
        route.get(0).put("weight", 50);
        route.get(1).put("weight", 50);
        client.resource(vs).update();

        CanaryRollout paused = await(Duration.ofSeconds(30), () -> phase("search", "ranker") == Phase.Paused ? rollout("search", "ranker") : null,
                "ranker paused");
        assertTrue(paused.getStatus().message().contains("changed by someone else"), paused.getStatus().message());
        Thread.sleep(3_000);
        assertEquals(50, canaryWeight("search", "ranker"), "Aviary does not fight the person's weights");
        assertEquals(Phase.Paused, phase("search", "ranker"));
        await(Duration.ofSeconds(10), () -> client.v1().events().inNamespace("search").list().getItems().stream()
                .filter(e -> "Pause".equals(e.getReason())).findFirst().orElse(null), "a Pause event");

        // resume through the REST API: the step's own routing comes back (header route, canary weight 0)
        given().post("/api/rollouts/search/ranker/resume").then().statusCode(401); // controls need an identity
        given().header("Authorization", "Bearer " + SandboxResource.OPERATOR_TOKEN).post("/api/rollouts/search/ranker/resume")
                .then().statusCode(202);
        await(Duration.ofSeconds(30), () -> phase("search", "ranker") == Phase.Progressing && canaryWeight("search", "ranker") == 0 ? true : null,
                "ranker resumed at its step's weights");
        assertNull(rollout("search", "ranker").getMetadata().getAnnotations().get(CanaryRollout.REQUEST_ANNOTATION),
                "the request annotation is consumed");
    }

    @Test
    @Order(4)
    void aRestartedDaemonContinuesTheSameStepWithoutMovingWeights() throws Exception {
        engine.start();
        CanaryRollout atStep = await(Duration.ofSeconds(90), () -> {
            CanaryRollout cr = rollout("vision", "detector");
            return cr.getStatus().step() == 1 && cr.getStatus().intended() == null ? cr : null;
        }, "detector at weight 30");
        engine.stop(); // returns once no tick is in flight
        atStep = rollout("vision", "detector");
        String vsVersion = vs("vision", "detector").getMetadata().getResourceVersion();

        // a new process: nothing shared with the old one but the cluster and Prometheus
        RolloutController fresh = new RolloutController(new RolloutRepository(client), TrafficRouters.of(new IstioRouter(client)), metrics,
                judges::judge, judges.sampleRatioGuard(), e -> { }, Clock.systemUTC());
        var policy = policies.get("vision/detector").orElseThrow();
        for (int i = 0; i < 3; i++) {
            RolloutController.TickResult r = fresh.tick(policy);
            assertEquals(1, r.step(), "same step after the restart: " + r);
            Thread.sleep(1_000);
        }
        CanaryRollout after = rollout("vision", "detector");
        assertEquals(atStep.getStatus().stepStartedAt(), after.getStatus().stepStartedAt(), "the step's window is kept");
        assertEquals(Phase.Progressing, after.getStatus().phase());
        assertEquals(30, canaryWeight("vision", "detector"));
        assertEquals(vsVersion, vs("vision", "detector").getMetadata().getResourceVersion(), "the VirtualService was not written");
        engine.start();
    }

    @Test
    @Order(5)
    void anInvalidPolicyIsRejectedWithFileAndLineWhileTheOthersKeepRunning() throws Exception {
        engine.start();
        Path dir = sandbox.policies();
        Path ranker = dir.resolve("ranker.yaml");
        String valid = Files.readString(ranker);
        Files.writeString(dir.resolve("broken.yaml"), """
                apiVersion: aviary.dev/v1
                kind: CanaryPolicy
                metadata: {name: broken, namespace: default}
                spec:
                  target:
                    istio: {virtualService: x, baseline: {subset: a}, canary: {subset: b}}
                  steps:
                    - wieght: 30
                    - weight: 100
                """);
        // a person breaks a running policy: the last valid version stays in force
        Files.writeString(ranker, valid.replace("interval: 1s", "interval: soon"));
        try {
            await(Duration.ofSeconds(20), () -> policies.rejected().size() == 2 ? true : null, "both files rejected");
            given().get("/api/policies").then().statusCode(200)
                    .body("rejected.find { it.file.endsWith('broken.yaml') }.problems[0]",
                            org.hamcrest.Matchers.containsString("broken.yaml:8:7"))
                    .body("rejected.find { it.file.endsWith('ranker.yaml') }.problems[0]",
                            org.hamcrest.Matchers.containsString("ranker.yaml:"))
                    .body("active.policy", hasItem("search/ranker"));
            String lastTick = rollout("vision", "detector").getMetadata().getResourceVersion();
            await(Duration.ofSeconds(15), () -> !rollout("vision", "detector").getMetadata().getResourceVersion().equals(lastTick) ? true : null,
                    "other rollouts keep ticking");
            given().get("/api/rollouts/search/ranker").then().statusCode(200).body("phase", equalTo("Progressing"));
        } finally {
            Files.writeString(ranker, valid);
            Files.deleteIfExists(dir.resolve("broken.yaml"));
        }
        await(Duration.ofSeconds(20), () -> policies.rejected().isEmpty() ? true : null, "fixed files accepted again");
    }

    @Test
    @Order(6)
    void theStatusApiShowsEveryRolloutWithoutSecrets() {
        String body = given().get("/api/rollouts").then().statusCode(200)
                .body("name", hasItem("image-classifier")).body("name", hasItem("fraud-detector"))
                .extract().asString();
        assertNotEquals(-1, body.indexOf("\"phase\""));
        assertTrue(!body.toLowerCase().contains("token") && !body.toLowerCase().contains("secret"), body);
        given().get("/q/health/live").then().statusCode(200).body("checks.find { it.name == 'rollout-engine' }.data.leading", equalTo(true));
    }

    @Test
    @Order(7)
    void aviarysOwnMetricsTellWhatHappenedAndTheDashboardReadsOnlyThem() throws Exception {
        Scrape s = Scrape.parse(given().get("/q/metrics").then().statusCode(200).extract().asString());
        String[] classifier = {"namespace", "default", "rollout", "image-classifier"};
        String[] fraud = {"namespace", "payments", "rollout", "fraud-detector"};
        assertEquals(100, s.value("aviary_rollout_canary_weight", classifier));
        assertEquals(0, s.value("aviary_rollout_canary_weight", fraud));
        assertEquals(1, s.value("aviary_rollout_phase", "namespace", "payments", "rollout", "fraud-detector", "phase", "RolledBack"));
        assertEquals(1, s.value("aviary_decisions_total", "namespace", "payments", "rollout", "fraud-detector", "decision", "ROLLBACK"));
        assertEquals(2, s.value("aviary_decisions_total", "namespace", "default", "rollout", "image-classifier", "decision", "ADVANCE"));
        assertEquals(1, s.value("aviary_check_outcome", "namespace", "payments", "rollout", "fraud-detector", "check", "errors", "outcome", "FAIL"));
        assertTrue(s.value("aviary_check_evalue", "namespace", "payments", "rollout", "fraud-detector", "check", "errors")
                >= s.value("aviary_check_evalue_threshold", "namespace", "payments", "rollout", "fraud-detector", "check", "errors"));
        assertTrue(s.value("aviary_rollouts", "phase", "Promoted") >= 1 && s.value("aviary_rollouts", "phase", "RolledBack") >= 1);
        assertTrue(s.sum("aviary_decisions_total", "namespace", "search", "rollout", "ranker", "decision", "PAUSE") >= 1, "the person's weights paused it");
        assertEquals(1, s.value("aviary_leader"));
        assertTrue(s.sum("aviary_prometheus_query_errors_total", "reason", "unavailable") > 0, "test 2's Prometheus outage is counted");
        assertTrue(s.sum("aviary_kubernetes_requests_total", "verb", "patch", "resource", "virtualservices") > 0);
        assertTrue(s.sum("aviary_notifications_total", "channel", "kubernetes-events", "result", "delivered") > 0);
        assertTrue(s.value("aviary_tick_duration_seconds_count", "result", "ok") > 0 && s.value("aviary_tick_lag_seconds_count") > 0);
        s.promtool();
        Dashboard.read().assertReadsOnly(s);
    }

    // --- helpers -------------------------------------------------------------------------------------------

    private CanaryRollout rollout(String ns, String name) {
        CanaryRollout cr = rollouts.get(ns, name);
        if (cr == null || cr.getStatus() == null) throw new AssertionError("no CanaryRollout " + ns + "/" + name + " yet");
        return cr;
    }

    /** The rollout's phase once its last move has landed on the target (no intent in flight), else null. */
    private Phase phase(String ns, String name) {
        CanaryRollout cr = rollouts.get(ns, name);
        return cr == null || cr.getStatus().intended() != null ? null : cr.getStatus().phase();
    }

    private GenericKubernetesResource vs(String ns, String name) {
        return client.genericKubernetesResources(SandboxResource.VS, "VirtualService").inNamespace(ns).withName(name).get();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> spec(String ns, String name) {
        return deepCopy((Map<String, Object>) vs(ns, name).getAdditionalProperties().get("spec"));
    }

    private int canaryWeight(String ns, String name) {
        Map<String, Object> spec = spec(ns, name);
        Object w = primaryRoute(spec).get(1).get("weight");
        return w == null ? 0 : ((Number) w).intValue();
    }

    /**
     * The destinations of the managed route, in an object or a spec: the http route named "primary", or the
     * tutorial's unnamed route with both arms (the image-classifier's).
     */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> primaryRoute(Map<String, Object> objOrSpec) {
        Map<String, Object> spec = objOrSpec.containsKey("spec") ? (Map<String, Object>) objOrSpec.get("spec") : objOrSpec;
        for (Map<String, Object> http : (List<Map<String, Object>>) spec.get("http")) {
            List<Map<String, Object>> route = (List<Map<String, Object>>) http.get("route");
            if ("primary".equals(http.get("name")) || http.get("name") == null && route != null && route.size() == 2) return route;
        }
        throw new AssertionError("no route named primary and no unnamed route with both arms in " + spec);
    }

    @SuppressWarnings("unchecked")
    private static <T> T deepCopy(T o) {
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> c = new java.util.LinkedHashMap<>();
            m.forEach((k, v) -> c.put((String) k, deepCopy(v)));
            return (T) c;
        }
        if (o instanceof List<?> l) {
            List<Object> c = new ArrayList<>();
            l.forEach(v -> c.add(deepCopy(v)));
            return (T) c;
        }
        return o;
    }

    static <T> T await(Duration timeout, Supplier<T> probe, String what) {
        Instant deadline = Instant.now().plus(timeout);
        RuntimeException last = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                T v = probe.get();
                if (v != null) return v;
            } catch (RuntimeException | AssertionError e) {
                last = e instanceof RuntimeException re ? re : new RuntimeException(e);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what, last);
    }
}
