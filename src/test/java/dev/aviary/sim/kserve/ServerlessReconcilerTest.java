package dev.aviary.sim.kserve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.aviary.sandbox.Manifests;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** KServe's Serverless status, step by step on the tutorial's object, with time as an argument. */
@SuppressWarnings("unchecked")
class ServerlessReconcilerTest {

    static final String R1 = "fraud-classifier-predictor-00001", R2 = "fraud-classifier-predictor-00002";
    static final Duration SETTLE = Duration.ofSeconds(2);

    final ServerlessReconciler kserve = new ServerlessReconciler("fraud-classifier", "kserve-deployments", "example.com", SETTLE);
    Instant now = Instant.parse("2026-11-20T10:00:00Z");
    Map<String, Object> isvc = load("kserve/fraud-classifier.yaml");

    @Test
    void tutorialCanaryThenPromotion() {
        run(Duration.ofSeconds(5));
        assertEquals(List.of(entry(null, R1, true, 100, null)), traffic());
        assertEquals(R1, predictor().get("latestRolledoutRevision"));
        assertEquals("True", condition("Ready"));

        isvc.put("spec", load("kserve/fraud-classifier-canary.yaml").get("spec"));
        run(Duration.ofMillis(200));
        assertEquals(R2, predictor().get("latestCreatedRevision"), "the new image mints revision 00002 at once");
        assertEquals(List.of(entry(null, R1, true, 100, null)), traffic(), "KServe reports no split before Knative has programmed it");
        assertEquals("Unknown", condition("Ready"));

        run(Duration.ofSeconds(5));
        assertEquals(List.of(entry(null, R2, true, 20, null),
                entry("prev", R1, false, 80, "http://prev-fraud-classifier-predictor.kserve-deployments.example.com")), traffic());
        assertEquals(R1, predictor().get("latestRolledoutRevision"));
        assertEquals(R2, predictor().get("latestReadyRevision"));
        assertEquals("True", condition("Ready"));
        assertEquals("True", condition("PredictorReady"));
        assertEquals("True", condition("IngressReady"));

        spec().remove("canaryTrafficPercent"); // promotion
        run(Duration.ofSeconds(3));
        assertEquals(List.of(entry(null, R2, true, 100, null)), traffic());
        assertEquals(R2, predictor().get("latestRolledoutRevision"));
        assertEquals(R1, predictor().get("previousRolledoutRevision"));
    }

    @Test
    void canaryTrafficPercentZeroPinsTheLastRolledOutRevision() {
        run(Duration.ofSeconds(5));
        isvc.put("spec", load("kserve/fraud-classifier-canary.yaml").get("spec"));
        run(Duration.ofSeconds(5));
        spec().put("canaryTrafficPercent", 0);
        run(Duration.ofSeconds(3));
        assertEquals(List.of(entry(null, R2, true, 0, null),
                entry("prev", R1, false, 100, "http://prev-fraud-classifier-predictor.kserve-deployments.example.com")), traffic());
        assertEquals(R1, predictor().get("latestRolledoutRevision"));
        assertEquals(2, kserve.knative().revisions().size(), "a traffic change mints no revision");
    }

    @Test
    void aCanaryPercentAfterPromotionFallsBackToThePreviousRevision() {
        run(Duration.ofSeconds(5));
        isvc.put("spec", load("kserve/fraud-classifier-canary.yaml").get("spec"));
        run(Duration.ofSeconds(5));
        spec().remove("canaryTrafficPercent");
        run(Duration.ofSeconds(3));
        spec().put("canaryTrafficPercent", 0); // PropagateStatus: rolled out, then split over itself
        run(Duration.ofSeconds(5));
        assertEquals(R1, predictor().get("latestRolledoutRevision"));
        assertEquals(List.of(entry(null, R2, true, 0, null),
                entry("prev", R1, false, 100, "http://prev-fraud-classifier-predictor.kserve-deployments.example.com")), traffic());
    }

    @Test
    void anAnnotationOnTheInferenceServiceMintsARevision() {
        run(Duration.ofSeconds(5));
        ((Map<String, Object>) isvc.get("metadata")).put("annotations", Map.of("aviary.dev/step", "1"));
        run(Duration.ofMillis(200));
        assertEquals("fraud-classifier-predictor-00002", predictor().get("latestCreatedRevision"));
    }

    @Test
    void tagRoutingTagsTheLatestRevision() {
        ((Map<String, Object>) isvc.get("metadata")).put("annotations", Map.of(ServerlessReconciler.TAG_ROUTING, "true"));
        run(Duration.ofSeconds(5));
        assertEquals(List.of(entry("latest", R1, true, 100, "http://latest-fraud-classifier-predictor.kserve-deployments.example.com")),
                traffic());
        assertNull(predictor().get("previousRolledoutRevision"));
    }

    /** Reconcile every 100 ms for {@code d}, writing the status back as the simulator does. */
    private void run(Duration d) {
        Instant end = now.plus(d);
        while (!now.isAfter(end)) {
            isvc.put("status", kserve.reconcile(isvc, now));
            now = now.plusMillis(100);
        }
    }

    private Map<String, Object> predictor() {
        return Json.map(Json.map(Json.map(isvc.get("status")).get("components")).get("predictor"));
    }

    private Map<String, Object> spec() {
        return Json.map(Json.map(isvc.get("spec")).get("predictor"));
    }

    private List<?> traffic() {
        return Json.list(predictor().get("traffic"));
    }

    private String condition(String type) {
        return Json.list(Json.map(isvc.get("status")).get("conditions")).stream().map(Json::map).filter(c -> type.equals(c.get("type")))
                .map(c -> (String) c.get("status")).findFirst().orElse(null);
    }

    private static Map<String, Object> entry(String tag, String revision, boolean latest, long percent, String url) {
        return new TrafficTarget(revision, latest, percent, tag, url).toJson();
    }

    /** The object as the API server returns it: plain mutable JSON. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> load(String resource) {
        Manifests.Result r = Manifests.readResources(List.of(resource));
        KubernetesSerialization json = new KubernetesSerialization();
        return json.unmarshal(json.asJson(r.items().get(0).object()), HashMap.class);
    }
}
