package dev.aviary.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.metrics.prometheus.PrometheusClient;
import dev.aviary.metrics.prometheus.TestPrometheusConfig;
import dev.aviary.policy.KServeTarget;
import dev.aviary.sim.kserve.KServeSimulator;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.kserve.KServeRouter;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code aviary sandbox --manifests} with the tutorial's InferenceService: KServe is played next to the mesh. */
class KServeRehearsalTest {

    @TempDir
    Path dir;

    @Test
    void theTutorialsInferenceServiceIsRehearsedWithKServePlayedAndKnativeMetricsScraped() throws Exception {
        Rehearsal.Prepared p = prepare("kserve/fraud-classifier-canary.yaml", "kserve/policies/fraud-classifier.yaml", 3);
        assertTrue(p.ok(), "an InferenceService policy is rehearsed, not refused: " + p.problems());
        Rehearsal r = p.rehearsal();
        assertEquals(List.of(), r.contents().services(), "no VirtualService to simulate");
        KServeSimulator.Service s = r.contents().inferenceServices().get(0);
        assertEquals("kserve-deployments/fraud-classifier", s.namespace() + "/" + s.name());
        assertEquals(0.05, s.models().get("fraud-classifier:rf").errorRate(), 1e-12, "the manifest's model serves the scenario");
        assertEquals(Rehearsal.DEFAULT_BASELINE, s.otherwise());
        assertEquals(20 * r.time().factor(), s.rps(), 1e-9);
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("makes up revision 00001")), r.notes().toString());

        try (Sandbox sandbox = Sandbox.start(dir.resolve("work"), r.contents())) {
            String r1 = "fraud-classifier-predictor-00001", r2 = "fraud-classifier-predictor-00002";
            Instant deadline = Instant.now().plus(Duration.ofSeconds(40));
            while (!sandbox.kserve().split("kserve-deployments", "fraud-classifier").equals(Map.of(r1, 80L, r2, 20L))) {
                assertTrue(Instant.now().isBefore(deadline), "KServe reports the manifest's 20% canary: "
                        + sandbox.kserve().split("kserve-deployments", "fraud-classifier"));
                Thread.sleep(100);
            }
            GenericKubernetesResource isvc = sandbox.client().genericKubernetesResources(Manifests.context(KServeSimulator.API_VERSION, KServeSimulator.KIND))
                    .inNamespace("kserve-deployments").withName("fraud-classifier").get();
            assertTrue(String.valueOf(isvc.getAdditionalProperties().get("status")).contains("latestRolledoutRevision=" + r1), "status: "
                    + isvc.getAdditionalProperties().get("status"));

            PrometheusClient prometheus = new PrometheusClient(new TestPrometheusConfig(sandbox.prometheus().url()));
            String q = "sum by (revision_name) (revision_app_request_count{namespace_name=\"kserve-deployments\"})";
            while (prometheus.query(q).stream().noneMatch(x -> r2.equals(x.labels().get("revision_name")))) {
                assertTrue(Instant.now().isBefore(deadline), "the canary revision's series in the sandbox's Prometheus");
                Thread.sleep(200);
            }
        }
    }

    @Test
    void theTutorialsStandardModeInferenceServiceSplitsByCanaryStatusAndReportsIstioMetricsPerPredictorService() throws Exception {
        Rehearsal.Prepared p = prepare("kserve/standard/manifests/fraud-classifier.yaml", "kserve/standard/policies/fraud-classifier.yaml", 5);
        assertTrue(p.ok(), "a Standard-mode InferenceService policy is rehearsed: " + p.problems());
        Rehearsal r = p.rehearsal();
        KServeSimulator.Service s = r.contents().inferenceServices().get(0);
        assertEquals(0.05, s.models().get("fraud-classifier:rf").errorRate(), 1e-12, "spec.canary's model serves the scenario");
        assertEquals(null, s.models().get("fraud-classifier:xgb"), "the stable predictor serves like the baseline");
        assertEquals(null, s.previousModel(), "Standard mode has no revision history to make up");
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("runs in Standard mode")), r.notes().toString());

        String stable = "fraud-classifier-predictor", canary = "fraud-classifier-rf-predictor";
        try (Sandbox sandbox = Sandbox.start(dir.resolve("work"), r.contents())) {
            KServeRouter router = new KServeRouter(sandbox.client());
            KServeTarget target = new KServeTarget("fraud-classifier", null);
            Instant deadline = Instant.now().plus(Duration.ofSeconds(40));
            while (!sandbox.kserve().split("kserve-deployments", "fraud-classifier").equals(Map.of(stable, 80L, canary, 20L))) {
                assertTrue(Instant.now().isBefore(deadline), "the route gives the canary its 20% once KServe reports it ready: "
                        + sandbox.kserve().split("kserve-deployments", "fraud-classifier"));
                Thread.sleep(100);
            }
            LiveTraffic live = router.read(target, "kserve-deployments");
            assertTrue(live.ready(), "the router reads the split as served: " + live.unsettled());
            assertEquals(20, live.split().canaryWeight());
            ArmLabels arms = router.armLabels(target, "kserve-deployments");
            assertEquals(new ArmLabels(stable, canary, null, "destination_service_name"), arms);

            // the router's arm labels are the predictor services Istio reports the requests of
            PrometheusClient prometheus = new PrometheusClient(new TestPrometheusConfig(sandbox.prometheus().url()));
            String q = "sum by (destination_service_name, destination_workload) (istio_requests_total{reporter=\"destination\","
                    + "destination_service_namespace=\"kserve-deployments\"})";
            while (prometheus.query(q).stream().map(x -> x.labels().get("destination_service_name")).collect(java.util.stream.Collectors.toSet())
                    .size() < 2) {
                assertTrue(Instant.now().isBefore(deadline), "both predictor services' series in the sandbox's Prometheus: " + prometheus.query(q));
                Thread.sleep(200);
            }
            for (PrometheusClient.Sample x : prometheus.query(q)) {
                assertTrue(List.of(arms.baseline(), arms.canary()).contains(x.labels().get("destination_service_name")), x.labels().toString());
                assertEquals(x.labels().get("destination_service_name"), x.labels().get("destination_workload"),
                        "KServe names each Deployment like its Service");
            }
        }
    }

    /** The manifest and policy copied into directories as a user has them, prepared facing a canary with errors. */
    private Rehearsal.Prepared prepare(String manifest, String policy, long seed) throws Exception {
        Path manifests = Files.createDirectories(dir.resolve("manifests"));
        copy(manifest, manifests.resolve("fraud-classifier.yaml"));
        Path policies = Files.createDirectories(dir.resolve("policies"));
        copy(policy, policies.resolve("fraud-classifier.yaml"));
        return Rehearsal.prepare(manifests, policies, CanaryScenario.ERRORS, new Rehearsal.Traffic(20, 0.1, null, seed));
    }

    private static void copy(String resource, Path to) throws Exception {
        try (InputStream in = KServeRehearsalTest.class.getClassLoader().getResourceAsStream(resource)) {
            Files.copy(in, to);
        }
    }
}
