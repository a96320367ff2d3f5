package dev.aviary.traffic.kserve;

import static dev.aviary.traffic.kserve.KServeFixtures.NAME;
import static dev.aviary.traffic.kserve.KServeFixtures.NS;
import static dev.aviary.traffic.kserve.KServeFixtures.REV1;
import static dev.aviary.traffic.kserve.KServeFixtures.REV2;
import static dev.aviary.traffic.kserve.KServeFixtures.SCHEMA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.aviary.policy.KServeTarget;
import dev.aviary.traffic.ArmEndpoints;
import dev.aviary.traffic.Json;
import dev.aviary.traffic.TargetException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Where the KServe router says each arm answers, on the tutorial's fraud-classifier shaped exactly as KServe reports
 * it (Serverless with and without tag routing, Standard mode's spec.canary[]), read through the mock API server.
 */
@EnableKubernetesMockClient(crud = true)
class KServeEndpointsTest {

    static KubernetesClient client;

    static final KServeTarget TARGET = new KServeTarget(NAME);
    static final String SERVERLESS = "/kserve/fraud-classifier-canary-status.yaml";
    static final String STANDARD = "/kserve/standard/manifests/fraud-classifier.yaml";

    KServeFixtures kserve;
    KServeRouter router;

    @BeforeEach
    void setUp() {
        kserve = new KServeFixtures(client);
        router = new KServeRouter(client);
    }

    @Test
    void serverlessWithoutTagRoutingAsksEachRevisionsOwnService() throws Exception {
        ArmEndpoints e = endpointsOf(load(SERVERLESS));
        assertEquals(service(REV1), e.baseline().url(), "the last rolled-out revision, KServe's prev");
        assertEquals(service(REV2), e.canary().url(), "the latest created revision");
        assertTrue(e.baseline().headers().isEmpty() && e.canary().answerHeaders().isEmpty(), "a Service needs no pin: " + e);
        assertTrue(e.how().contains("revisions " + REV1 + " and " + REV2), e.how());
    }

    @Test
    void serverlessWithTagRoutingAsksThePrevAndLatestTagRoutes() throws Exception {
        Map<String, Object> isvc = withTagRouting(load(SERVERLESS), REV2);
        ArmEndpoints e = endpointsOf(isvc);
        // the route is the component's Knative Service, as its cluster-local address names it
        assertEquals(URI.create("http://prev-fraud-classifier-predictor." + NS + ".svc.cluster.local"), e.baseline().url());
        assertEquals(URI.create("http://latest-fraud-classifier-predictor." + NS + ".svc.cluster.local"), e.canary().url());
        assertTrue(e.how().contains("tag routing on"), e.how());
    }

    @Test
    void withoutAnAddressTheTagRoutesFollowKServesComponentNaming() throws Exception {
        Map<String, Object> isvc = withTagRouting(load(SERVERLESS), REV2);
        KServeFixtures.predictorStatus(isvc).remove("address");
        KServeFixtures.predictorStatus(isvc).put("address", Map.of("url", "not a url"));
        assertEquals(URI.create("http://latest-" + NAME + "-predictor." + NS + ".svc.cluster.local"), endpointsOf(isvc).canary().url());
    }

    @Test
    void aLatestTagThatStillNamesTheBaselineIsNotComparedWithItself() {
        // Knative's latest tag follows the latest ready revision: the canary 00002 exists but is not ready
        Map<String, Object> isvc = withTagRouting(load(SERVERLESS), REV1);
        KServeFixtures.predictorStatus(isvc).put("latestReadyRevision", REV1);
        TargetException e = assertThrows(TargetException.class, () -> endpointsOf(isvc));
        assertFalse(e instanceof TargetException.Invalid, "not the target's fault: ask again later");
        assertTrue(e.getMessage().contains("the latest tag still routes to " + REV1 + ", not the canary " + REV2), e.getMessage());
    }

    @Test
    void tagRoutingWithoutAPrevTagFallsBackToTheRevisionsServices() throws Exception {
        Map<String, Object> isvc = withTagRouting(load(SERVERLESS), REV2);
        Json.list(KServeFixtures.predictorStatus(isvc), "traffic").removeIf(t -> "prev".equals(Json.string(Json.map(t), "tag")));
        ArmEndpoints e = endpointsOf(isvc);
        assertEquals(service(REV1), e.baseline().url());
        assertEquals(service(REV2), e.canary().url());
        assertTrue(e.how().contains("no prev and latest tags"), e.how());
    }

    @Test
    void withoutACanaryRevisionThereIsNothingToAskYet() {
        Map<String, Object> isvc = load(SERVERLESS);
        KServeFixtures.predictorStatus(isvc).put("latestRolledoutRevision", REV2);
        TargetException e = assertThrows(TargetException.class, () -> endpointsOf(isvc));
        assertFalse(e instanceof TargetException.Invalid, e.getMessage());
        assertTrue(e.getMessage().contains("no canary: the latest created revision " + REV2 + " is the rolled-out one"), e.getMessage());
    }

    @Test
    void standardModeAsksThePredictorServices() throws Exception {
        ArmEndpoints e = endpointsOf(load(STANDARD));
        assertEquals(URI.create("http://fraud-classifier-predictor." + NS + ".svc.cluster.local"), e.baseline().url());
        assertEquals(URI.create("http://fraud-classifier-rf-predictor." + NS + ".svc.cluster.local"), e.canary().url());
        assertEquals(-1, e.canary().url().getPort(), "KServe's raw Service listens on 80, not the container's 3000");
        assertTrue(e.how().contains("Standard mode"), e.how());
    }

    @Test
    void standardModeWithANamedStablePredictorAsksItsService() throws Exception {
        // after a promotion KServe's way: the canary's named predictor became spec.predictor
        Map<String, Object> isvc = load(STANDARD);
        KServeFixtures.predictor(isvc).put("name", "rf");
        Map<String, Object> canary = Json.map(Json.map(Json.list(Json.map(isvc, "spec"), "canary").get(0)), "predictor");
        canary.put("name", "gbt");
        ArmEndpoints e = endpointsOf(isvc);
        assertEquals(URI.create("http://fraud-classifier-rf-predictor." + NS + ".svc.cluster.local"), e.baseline().url());
        assertEquals(URI.create("http://fraud-classifier-gbt-predictor." + NS + ".svc.cluster.local"), e.canary().url());
    }

    @Test
    void standardModeWithoutACanaryHasNothingToAsk() {
        Map<String, Object> isvc = load(STANDARD);
        Json.map(isvc, "spec").remove("canary");
        TargetException e = assertThrows(TargetException.class, () -> endpointsOf(isvc));
        assertFalse(e instanceof TargetException.Invalid, e.getMessage());
        assertTrue(e.getMessage().contains("no canary in spec.canary"), e.getMessage());
    }

    @Test
    void aComponentTheInferenceServiceLacksIsInvalidWithWhatToWrite() {
        Map<String, Object> isvc = load(SERVERLESS);
        TargetException e = assertThrows(TargetException.class,
                () -> endpointsOf(isvc, new KServeTarget(NAME, "transformer")));
        assertInstanceOf(TargetException.Invalid.class, e);
        assertTrue(e.getMessage().contains("has no spec.transformer"), e.getMessage());
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private ArmEndpoints endpointsOf(Map<String, Object> isvc) throws TargetException {
        return endpointsOf(isvc, TARGET);
    }

    /** The object as KServe would hold it (a valid InferenceService), stored, then asked for through the router. */
    private ArmEndpoints endpointsOf(Map<String, Object> isvc, KServeTarget target) throws TargetException {
        assertEquals(List.of(), SCHEMA.violations(isvc), "a valid InferenceService");
        kserve.create(isvc);
        return router.endpoints(target, NS, null); // KServe derives the arms from the object itself
    }

    /** The annotation on, and the latest traffic target tagged as KServe's ksvc reconciler then tags it. */
    private static Map<String, Object> withTagRouting(Map<String, Object> isvc, String latestRevision) {
        Map<String, Object> metadata = Json.map(isvc, "metadata");
        Map<String, Object> annotations = new LinkedHashMap<>();
        annotations.put(ServerlessCanary.TAG_ROUTING, "true");
        metadata.put("annotations", annotations);
        for (Object t : Json.list(KServeFixtures.predictorStatus(isvc), "traffic")) {
            Map<String, Object> target = Json.map(t);
            if (Boolean.TRUE.equals(target.get("latestRevision"))) {
                target.put("tag", "latest");
                target.put("revisionName", latestRevision);
                target.put("url", "http://latest-fraud-classifier-predictor." + NS + ".example.com");
            }
        }
        return isvc;
    }

    private static URI service(String name) {
        return URI.create("http://" + name + "." + NS + ".svc.cluster.local");
    }

    private static Map<String, Object> load(String resource) {
        try (InputStream in = KServeEndpointsTest.class.getResourceAsStream(resource)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = new ObjectMapper(new YAMLFactory()).readValue(in, Map.class);
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
