package dev.aviary.sim.kserve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** KServe's Standard-mode status and route, step by step on the tutorial's object, with time as an argument. */
class StandardReconcilerTest {

    static final String STABLE = "fraud-classifier-predictor", CANARY = "fraud-classifier-rf-predictor";
    static final Duration SETTLE = Duration.ofSeconds(2);

    final StandardReconciler kserve = new StandardReconciler("fraud-classifier", "kserve-deployments", SETTLE);
    Instant now = Instant.parse("2026-11-20T10:00:00Z");
    Map<String, Object> isvc = ServerlessReconcilerTest.load("kserve/standard/manifests/fraud-classifier.yaml");

    @Test
    void theCanaryGetsItsPercentOnlyOnceItsDeploymentIsReady() {
        kserve.seed(isvc); // the XGBoost predictor ran before; the random forest's Deployment is new
        run(Duration.ofMillis(200));
        assertEquals(List.of(canaryStatus(false, 20)), status().get("canaryStatuses"));
        assertEquals("False", condition("CanaryPredictorReady"));
        assertEquals("CanariesNotReady", reason("CanaryPredictorReady"));
        assertEquals("True", condition("Ready"), "the stable predictor serves: the InferenceService is Ready");
        assertEquals(Map.of(STABLE, 100L), StandardReconciler.split(isvc), "a not-ready canary gets no backend");
        assertEquals("Standard", status().get("deploymentMode"));

        run(SETTLE);
        assertEquals(List.of(canaryStatus(true, 20)), status().get("canaryStatuses"));
        assertEquals("True", condition("CanaryPredictorReady"));
        assertEquals("AllCanariesReady", reason("CanaryPredictorReady"));
        assertEquals(Map.of(STABLE, 80L, CANARY, 20L), StandardReconciler.split(isvc), "the stable gets 100 minus the ready canaries");
        assertEquals("fraud-classifier:rf", kserve.serving(CANARY));
        assertEquals("fraud-classifier:xgb", kserve.serving(STABLE));

        canary().put("trafficPercent", 50);
        run(Duration.ofMillis(100));
        assertEquals(List.of(canaryStatus(true, 50)), status().get("canaryStatuses"), "the status reports the percent as applied");
        assertEquals(Map.of(STABLE, 50L, CANARY, 50L), StandardReconciler.split(isvc));
    }

    @Test
    void promotionMakesTheCanarysDeploymentTheStableOneWithoutARestart() {
        kserve.seed(isvc);
        run(SETTLE.plusSeconds(1));
        Map<String, Object> spec = Json.map(isvc.get("spec"));
        spec.put("predictor", canary().get("predictor")); // test_canary_raw_deployment.py: predictor.name rf included
        spec.remove("canary");
        run(Duration.ofMillis(100));
        assertEquals(Map.of(CANARY, 100L), StandardReconciler.split(isvc));
        assertEquals("fraud-classifier:rf", kserve.serving(CANARY), "already running: it serves at once");
        assertNull(kserve.serving(STABLE), "the old stable Deployment is cleaned up");
        assertNull(status().get("canaryStatuses"));
        assertNull(condition("CanaryPredictorReady"), "cleared without canaries");
        assertEquals("True", condition("Ready"));
    }

    @Test
    void rollbackLeavesTheStablePredictorServingAlone() {
        kserve.seed(isvc);
        run(SETTLE.plusSeconds(1));
        Json.map(isvc.get("spec")).remove("canary");
        run(Duration.ofMillis(100));
        assertEquals(Map.of(STABLE, 100L), StandardReconciler.split(isvc));
        assertEquals("fraud-classifier:xgb", kserve.serving(STABLE));
        assertNull(kserve.serving(CANARY));
        assertNull(status().get("canaryStatuses"));
        assertNull(condition("CanaryPredictorReady"));
    }

    @Test
    void aChangedStableModelRollsInWhileTheOldPodsServe() {
        kserve.seed(isvc);
        run(SETTLE.plusSeconds(1));
        Map<String, Object> container = Json.map(Json.list(Json.map(Json.map(isvc.get("spec")).get("predictor")).get("containers")).get(0));
        container.put("image", "fraud-classifier:xgb2");
        run(Duration.ofSeconds(1));
        assertEquals("fraud-classifier:xgb", kserve.serving(STABLE), "a rolling update keeps the old pods until the new ones are available");
        run(SETTLE);
        assertEquals("fraud-classifier:xgb2", kserve.serving(STABLE));
    }

    @Test
    void aCanaryNamingNoImageServesTheStablesModel() {
        Map<String, Object> predictor = Json.map(canary().get("predictor"));
        predictor.remove("containers");
        assertEquals("fraud-classifier:xgb", StandardReconciler.canaryModel(isvc), "buildCanaryPredictor merges over the stable");
    }

    @Test
    void theModeIsReadLikeTheRouterReadsIt() {
        assertTrue(StandardReconciler.standard(isvc), "the annotation");
        Map<String, Object> raw = new HashMap<>(isvc);
        raw.put("metadata", Map.of("name", "x", "annotations", Map.of(StandardReconciler.MODE_ANNOTATION, "RawDeployment")));
        assertTrue(StandardReconciler.standard(raw), "the deprecated spelling");
        raw.put("metadata", Map.of("name", "x"));
        assertTrue(StandardReconciler.standard(raw), "spec.canary exists in Standard mode only");
        raw.put("status", Map.of("deploymentMode", "Serverless"));
        assertFalse(StandardReconciler.standard(raw), "what KServe reports wins");
        assertFalse(StandardReconciler.standard(ServerlessReconcilerTest.load("kserve/fraud-classifier.yaml")));
    }

    /** Reconcile every 100 ms for {@code d}, writing the status back as the simulator does. */
    private void run(Duration d) {
        Instant end = now.plus(d);
        while (!now.isAfter(end)) {
            isvc.put("status", kserve.reconcile(isvc, now));
            now = now.plusMillis(100);
        }
    }

    private Map<String, Object> status() {
        return Json.map(isvc.get("status"));
    }

    private Map<String, Object> canary() {
        return Json.map(Json.list(Json.map(isvc.get("spec")).get("canary")).get(0));
    }

    private String condition(String type) {
        return (String) conditionOf(type).get("status");
    }

    private String reason(String type) {
        return (String) conditionOf(type).get("reason");
    }

    private Map<String, Object> conditionOf(String type) {
        return Json.list(status().get("conditions")).stream().map(Json::map).filter(c -> type.equals(c.get("type"))).findFirst()
                .orElse(Map.of());
    }

    private static Map<String, Object> canaryStatus(boolean ready, int percent) {
        return Map.of("name", "rf", "ready", ready, "trafficPercent", percent);
    }
}
