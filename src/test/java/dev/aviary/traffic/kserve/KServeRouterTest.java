package dev.aviary.traffic.kserve;

import static dev.aviary.traffic.kserve.KServeFixtures.NAME;
import static dev.aviary.traffic.kserve.KServeFixtures.NS;
import static dev.aviary.traffic.kserve.KServeFixtures.REV1;
import static dev.aviary.traffic.kserve.KServeFixtures.REV2;
import static dev.aviary.traffic.kserve.KServeFixtures.SCHEMA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.policy.KServeTarget;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.Json;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.TargetException;
import dev.aviary.traffic.TrafficRouters;
import dev.aviary.traffic.TrafficSplit;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The KServe router against the mock API server (CRUD mode) holding the tutorial's fraud-classifier: what it reads
 * from KServe's status, that every write is a JSON Patch of the managed field alone (never metadata: KServe copies
 * annotations and labels into the revision template), guarded by resourceVersion, and that every object it leaves
 * passes the real InferenceService CRD schema.
 */
@EnableKubernetesMockClient(crud = true)
class KServeRouterTest {

    static KubernetesClient client;

    static final KServeTarget TARGET = new KServeTarget(NAME);
    static final Set<String> SERVERLESS_PATHS = Set.of("/metadata/resourceVersion", "/spec/predictor/canaryTrafficPercent");

    KServeFixtures kserve;
    PatchRecorder patches;
    KServeRouter router;

    @BeforeEach
    void setUp() {
        kserve = new KServeFixtures(client);
        kserve.create(KServeFixtures.tutorial());
        patches = new PatchRecorder(client);
        router = new KServeRouter(patches.client());
    }

    @Test
    void theTutorialObjectIsAValidInferenceServiceAndABrokenOneIsNot() {
        assertEquals(List.of(), SCHEMA.violations(KServeFixtures.tutorial()));
        Map<String, Object> broken = KServeFixtures.tutorial();
        KServeFixtures.predictor(broken).put("canaryTrafficPercent", "twenty");
        KServeFixtures.predictor(broken).put("canaryWeight", 20);
        List<String> v = SCHEMA.violations(broken);
        assertTrue(v.stream().anyMatch(m -> m.contains("canaryTrafficPercent")), v.toString());
        assertTrue(v.stream().anyMatch(m -> m.contains("canaryWeight")), "a field the server would prune is caught: " + v);
    }

    @Test
    void readsTheSpecWeightTheCanaryRevisionAndTheSplitKServeServes() throws Exception {
        LiveTraffic live = router.read(TARGET, NS);
        assertEquals(new TrafficSplit(20, null, 0), live.split());
        assertEquals(REV2, live.canaryIdentity());
        assertTrue(live.ready(), live.unsettled());
        assertEquals(new ArmLabels(REV1, REV2, "fraud-classifier-predictor"), router.armLabels(TARGET, NS));
        assertTrue(TrafficRouters.of(router).route(TARGET, NS).isPresent(), "the router is found for target.kserve");
    }

    @Test
    void movesOnlyCanaryTrafficPercentAndWaitsForKServeToServeIt() throws Exception {
        Map<String, Object> before = kserve.get();
        String version = router.apply(TARGET, NS, new TrafficSplit(50, null, 0), router.read(TARGET, NS).resourceVersion());
        Map<String, Object> after = kserve.get();
        assertEquals(50, kserve.canaryTrafficPercent());
        assertEquals(version, Json.string(Json.map(after, "metadata"), "resourceVersion"));
        assertEquals(List.of(), SCHEMA.violations(after));
        assertEquals(withoutManaged(before), withoutManaged(after), "nothing but canaryTrafficPercent changed");
        assertEquals(Json.map(before, "metadata").get("annotations"), Json.map(after, "metadata").get("annotations"));
        patches.assertTouchOnly(SERVERLESS_PATHS);

        LiveTraffic pending = router.read(TARGET, NS);
        assertFalse(pending.ready(), "KServe still routes 20%");
        assertTrue(pending.unsettled().contains("gives the canary " + REV2 + " 20%, not 50%"), pending.unsettled());
        kserve.reconcile();
        assertTrue(router.read(TARGET, NS).ready());
        kserve.setReady(false, "RevisionMissing");
        LiveTraffic notReady = router.read(TARGET, NS);
        assertFalse(notReady.ready());
        assertTrue(notReady.unsettled().contains("Ready=False (RevisionMissing)"), notReady.unsettled());
    }

    @Test
    void promotesByRemovingTheFieldAndRollsBackToZero() throws Exception {
        router.apply(TARGET, NS, new TrafficSplit(100, null, 0), router.read(TARGET, NS).resourceVersion());
        assertNull(kserve.canaryTrafficPercent(), "promote removes canaryTrafficPercent");
        assertEquals(List.of(), SCHEMA.violations(kserve.get()));
        kserve.reconcile();
        LiveTraffic promoted = router.read(TARGET, NS);
        assertEquals(100, promoted.split().canaryWeight());
        assertNull(promoted.canaryIdentity(), "the canary is the rolled-out revision now");

        kserve.create(KServeFixtures.tutorial());
        router.apply(TARGET, NS, TrafficSplit.BASELINE_ONLY, router.read(TARGET, NS).resourceVersion());
        assertEquals(0, kserve.canaryTrafficPercent(), "rollback pins the rolled-out revision with 0%");
        assertEquals(List.of(), SCHEMA.violations(kserve.get()));
        kserve.reconcile();
        assertTrue(router.read(TARGET, NS).ready());
        patches.assertTouchOnly(SERVERLESS_PATHS);
    }

    @Test
    void aWriteOnAStaleVersionConflicts() throws Exception {
        String stale = router.read(TARGET, NS).resourceVersion();
        kserve.setReady(true, "Touched");
        assertThrows(TargetException.Conflict.class, () -> router.apply(TARGET, NS, new TrafficSplit(50, null, 0), stale));
        assertEquals(20, kserve.canaryTrafficPercent());
    }

    @Test
    void aComponentTheObjectLacksAndADeletedObjectSaySo() {
        TargetException e = assertThrows(TargetException.Invalid.class, () -> router.read(new KServeTarget(NAME, "transformer"), NS));
        assertTrue(e.getMessage().contains("has no spec.transformer"), e.getMessage());
        kserve.delete();
        assertThrows(TargetException.Gone.class, () -> router.read(TARGET, NS));
    }

    @Test
    void standardModeMovesTheCanaryEntryPromotesAndRollsBackAsKServeDefines() throws Exception {
        kserve.create(standard());
        LiveTraffic live = router.read(TARGET, NS);
        assertEquals(20, live.split().canaryWeight());
        assertTrue(live.ready(), live.unsettled());
        assertTrue(live.canaryIdentity().startsWith("v2@sha256:"), live.canaryIdentity());
        assertEquals(new ArmLabels("fraud-classifier-predictor", "fraud-classifier-v2-predictor", null, "destination_service_name"), router.armLabels(TARGET, NS));

        router.apply(TARGET, NS, new TrafficSplit(50, null, 0), live.resourceVersion());
        Map<String, Object> moved = kserve.get();
        assertEquals(50, ((Number) Json.map(Json.list(Json.map(moved, "spec"), "canary").get(0)).get("trafficPercent")).intValue());
        assertEquals(List.of(), SCHEMA.violations(moved));
        LiveTraffic pending = router.read(TARGET, NS);
        assertFalse(pending.ready());
        assertTrue(pending.unsettled().contains("canary v2 at 20%, not 50%"), pending.unsettled());

        router.apply(TARGET, NS, new TrafficSplit(100, null, 0), pending.resourceVersion());
        Map<String, Object> promoted = kserve.get();
        assertNull(Json.map(promoted, "spec").get("canary"), "promote removes the canary entry");
        assertEquals("v2", KServeFixtures.predictor(promoted).get("name"), "the canary's predictor, by name, is the stable one");
        assertEquals("fraud-classifier:rf", Json.map(Json.list(KServeFixtures.predictor(promoted), "containers").get(0)).get("image"));
        assertEquals(List.of(), SCHEMA.violations(promoted));

        kserve.create(standard());
        router.apply(TARGET, NS, TrafficSplit.BASELINE_ONLY, router.read(TARGET, NS).resourceVersion());
        Map<String, Object> rolledBack = kserve.get();
        assertNull(Json.map(rolledBack, "spec").get("canary"), "rollback removes the canary entry");
        assertEquals("fraud-classifier:xgb", Json.map(Json.list(KServeFixtures.predictor(rolledBack), "containers").get(0)).get("image"));
        assertEquals(List.of(), SCHEMA.violations(rolledBack));
        patches.assertTouchOnly(Set.of("/metadata/resourceVersion", "/spec/canary/0/trafficPercent", "/spec/predictor", "/spec/canary"));
    }

    /** The tutorial in Standard mode (KServe >= 0.20): the XGBoost predictor stable, the random forest as canary v2 at 20%. */
    static Map<String, Object> standard() {
        Map<String, Object> isvc = KServeFixtures.tutorial();
        Map<String, Object> stable = KServeFixtures.predictor(isvc);
        stable.remove("canaryTrafficPercent");
        Map<String, Object> canaryPredictor = Json.deepCopyMap(stable);
        Json.map(Json.list(stable, "containers").get(0)).put("image", "fraud-classifier:xgb");
        canaryPredictor.put("name", "v2");
        Json.map(Json.map(isvc, "metadata"), "annotations").put(InferenceService.MODE_ANNOTATION, "Standard");
        Json.map(isvc, "spec").put("canary", List.of(Map.of("trafficPercent", 20, "predictor", canaryPredictor)));
        Map<String, Object> status = Json.map(isvc, "status");
        status.put("deploymentMode", "Standard");
        status.remove("components");
        status.put("canaryStatuses", List.of(Map.of("name", "v2", "ready", true, "trafficPercent", 20)));
        List<Object> conditions = new ArrayList<>(Json.list(status, "conditions"));
        conditions.add(Map.of("type", "CanaryPredictorReady", "status", "True", "reason", "AllCanariesReady"));
        status.put("conditions", conditions);
        assertEquals(List.of(), SCHEMA.violations(isvc), "the Standard-mode fixture is a valid InferenceService");
        return isvc;
    }

    private static Map<String, Object> withoutManaged(Map<String, Object> isvc) {
        Map<String, Object> copy = Json.deepCopyMap(isvc);
        KServeFixtures.predictor(copy).remove("canaryTrafficPercent");
        Json.map(copy, "metadata").remove("resourceVersion");
        Json.map(copy, "metadata").remove("generation");
        Json.map(copy, "metadata").remove("managedFields");
        return copy;
    }
}
