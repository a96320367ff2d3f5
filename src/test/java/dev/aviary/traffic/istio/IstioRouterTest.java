package dev.aviary.traffic.istio;

import dev.aviary.traffic.CrdSchema;
import dev.aviary.traffic.Json;
import static dev.aviary.traffic.istio.IstioFixtures.NS;
import static dev.aviary.traffic.istio.IstioFixtures.apply;
import static dev.aviary.traffic.istio.IstioFixtures.armLabels;
import static dev.aviary.traffic.istio.IstioFixtures.read;
import static dev.aviary.traffic.istio.IstioFixtures.VS;
import static dev.aviary.traffic.istio.IstioFixtures.policy;
import static dev.aviary.traffic.istio.IstioFixtures.primaryPolicy;
import static dev.aviary.traffic.istio.VirtualServiceMaps.routeNames;
import static dev.aviary.traffic.istio.VirtualServiceMaps.withoutServerFields;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.policy.IstioTarget;
import dev.aviary.policy.KServeTarget;
import dev.aviary.policy.Policy;
import dev.aviary.policy.Step.HeaderMatch;
import dev.aviary.policy.Step.HeaderMatch.MatchType;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.RoutedTarget;
import dev.aviary.traffic.TargetException;
import dev.aviary.traffic.TrafficRouters;
import dev.aviary.traffic.TrafficSplit;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@EnableKubernetesMockClient(crud = true)
class IstioRouterTest {

    static KubernetesClient client;

    private static final IstioSchema SCHEMA = IstioSchema.virtualService();
    /** The same CRD through a JSON-schema validator library: what the hand-written check covers is not all it covers. */
    private static final CrdSchema CRD = CrdSchema.load("/istio/crd/virtualservices.networking.istio.io.yaml");

    private IstioFixtures fixtures;
    private IstioRouter router;

    @BeforeEach
    void setUp() {
        fixtures = new IstioFixtures(client);
        fixtures.clear();
        router = new IstioRouter(client);
    }

    // ---- read ----------------------------------------------------------------------------------------------------

    @Test
    void readsTheWeightsOfEachFixture() throws Exception {
        fixtures.createIstio("virtualservice-weight-100.yaml");
        LiveTraffic live = read(router, primaryPolicy());
        assertEquals(new TrafficSplit(0, null, 0), live.split());
        assertTrue(live.ready());
        assertEquals(fixtures.virtualService("v1alpha3").get("metadata") instanceof Map<?, ?> m ? m.get("resourceVersion") : null,
                live.resourceVersion());

        fixtures.clear();
        fixtures.createIstio("virtualservice-weight-70.yaml");
        assertEquals(new TrafficSplit(30, null, 0), read(router, primaryPolicy()).split());
    }

    @Test
    void theHumansFocusedRouteIsNotTakenForTheManagedHeaderRoute() throws Exception {
        fixtures.createIstio("virtualservice-focused.yaml");
        assertEquals(new TrafficSplit(0, null, 0), read(router, primaryPolicy()).split());
        // without a route name the focused route (canary only) is no candidate; primary is found by its subsets
        assertEquals(new TrafficSplit(0, null, 0), read(router, policy(null)).split());
    }

    @Test
    void relativeWeightsAreReadAsAShare() throws Exception {
        Map<String, Object> vs = Json.map(Json.deepCopy(fixtures.asMap(fixtures.createIstio("virtualservice-weight-70.yaml"))));
        destination(vs, "primary", "resnet50").put("weight", 140);
        destination(vs, "primary", "resnet101").put("weight", 60);
        fixtures.replaceVirtualService("v1alpha3", vs);
        assertEquals(30, read(router, primaryPolicy()).split().canaryWeight());
    }

    // ---- weights -------------------------------------------------------------------------------------------------

    @Test
    void weightStepsAndRollbackChangeOnlyTheTwoWeights() throws Exception {
        fixtures.createIstio("virtualservice-weight-100.yaml");
        Map<String, Object> original = fixtures.virtualService("v1alpha3");
        Policy p = primaryPolicy();
        String rv = read(router, p).resourceVersion();
        for (int canary : new int[] {30, 50, 100, 0}) {
            String newRv = apply(router, p, new TrafficSplit(canary, null, 0), rv);
            assertNotEquals(rv, newRv);
            Map<String, Object> after = fixtures.virtualService("v1alpha3");
            assertEquals(newRv, Json.string(Json.map(after, "metadata"), "resourceVersion"));
            assertEquals(100 - canary, weightOf(after, "primary", "resnet50"));
            assertEquals(canary, weightOf(after, "primary", "resnet101"));
            assertEquals(unmanaged(original), unmanaged(after), "only the managed weights may change at " + canary);
            assertEquals(List.of(), SCHEMA.violations(after));
            assertEquals(List.of(), CRD.violations(after));
            assertEquals(new TrafficSplit(canary, null, 0), read(router, p).split());
            rv = newRv;
        }
        // promotion kept both destinations, rollback went back to the very object we started from
        assertEquals(withoutServerFields(original), withoutServerFields(fixtures.virtualService("v1alpha3")));
    }

    @Test
    void promotionKeepsTheBaselineDestinationAtWeightZero() throws Exception {
        fixtures.createIstio("virtualservice-weight-70.yaml");
        Policy p = primaryPolicy();
        apply(router, p, new TrafficSplit(100, null, 0), read(router, p).resourceVersion());
        List<Object> dests = Json.list(route(fixtures.virtualService("v1alpha3"), "primary"), "route");
        assertEquals(2, dests.size());
        assertEquals(0, weightOf(fixtures.virtualService("v1alpha3"), "primary", "resnet50"));
    }

    @Test
    void applyingWhatIsLiveWritesNothing() throws Exception {
        fixtures.createIstio("virtualservice-weight-70.yaml");
        LiveTraffic live = read(router, primaryPolicy());
        assertEquals(live.resourceVersion(), apply(router, primaryPolicy(), live.split(), live.resourceVersion()));
        assertEquals(live.resourceVersion(), read(router, primaryPolicy()).resourceVersion());
    }

    @Test
    void fieldsUnknownToAviaryAndToTheSchemaSurvive() throws Exception {
        Map<String, Object> vs = fixtures.asMap(fixtures.createIstio("virtualservice-weight-70.yaml"));
        route(vs, "primary").put("x-future-istio-field", Map.of("mode", "strict", "limits", List.of(1, 2.5, true)));
        Json.map(vs, "spec").put("tcp", List.of(Map.of("route", List.of(Map.of("destination", Map.of("host", "legacy-tcp"))))));
        vs.put("status", Map.of("observedGeneration", 1, "validationMessages", List.of()));
        Map<String, Object> before = fixtures.replaceVirtualService("v1alpha3", vs);
        String rv = read(router, primaryPolicy()).resourceVersion();

        apply(router, primaryPolicy(), new TrafficSplit(50, new HeaderMatch("x-cohort", MatchType.PREFIX, "beta"), 10), rv);

        Map<String, Object> after = fixtures.virtualService("v1alpha3");
        assertEquals(unmanaged(before), unmanaged(after));
        assertEquals(Map.of("mode", "strict", "limits", List.of(1, 2.5, true)), route(after, "primary").get("x-future-istio-field"));
    }

    // ---- header route --------------------------------------------------------------------------------------------

    @Test
    void headerStepInsertsTheManagedRouteAboveTheWeightedOneAndRemovalRestoresTheOriginal() throws Exception {
        fixtures.createIstio("virtualservice-weight-100.yaml");
        Map<String, Object> original = fixtures.virtualService("v1alpha3");
        Policy p = primaryPolicy();
        HeaderMatch header = new HeaderMatch("x-model-cohort", MatchType.EXACT, "resnet101");

        String rv = apply(router, p, new TrafficSplit(0, header, 0), read(router, p).resourceVersion());

        Map<String, Object> after = fixtures.virtualService("v1alpha3");
        assertEquals(List.of("health", "primary-aviary-canary", "primary", "legacy-predict"), routeNames(after));
        Map<String, Object> headerRoute = route(after, "primary-aviary-canary");
        Map<String, Object> primary = route(after, "primary");
        // each of primary's conditions, narrowed by the header
        List<Object> match = Json.list(headerRoute, "match");
        assertEquals(2, match.size());
        for (int i = 0; i < 2; i++) {
            Map<String, Object> expected = Json.deepCopyMap(Json.map(Json.list(primary, "match").get(i)));
            expected.put("headers", Map.of("x-model-cohort", Map.of("exact", "resnet101")));
            assertEquals(expected, match.get(i));
        }
        assertEquals("10s", headerRoute.get("timeout"));
        assertEquals(primary.get("retries"), headerRoute.get("retries"));
        assertEquals(primary.get("corsPolicy"), headerRoute.get("corsPolicy"));
        Map<String, Object> only = Json.map(Json.list(headerRoute, "route").get(0));
        assertEquals(1, Json.list(headerRoute, "route").size());
        assertEquals("resnet101", Json.string(Json.map(only, "destination"), "subset"));
        assertFalse(only.containsKey("weight"));
        assertEquals(unmanaged(original), unmanaged(after));
        assertEquals(List.of(), SCHEMA.violations(after), "Istio's schema accepts the header route as written");
        assertEquals(List.of(), CRD.violations(after));
        assertEquals(new TrafficSplit(0, header, 0), read(router, p).split());

        apply(router, p, TrafficSplit.BASELINE_ONLY, rv);
        assertEquals(withoutServerFields(original), withoutServerFields(fixtures.virtualService("v1alpha3")));
        assertNull(read(router, p).split().headerRoute());
    }

    @Test
    void aManagedRouteWithoutMatchGetsASingleHeaderCondition() throws Exception {
        Map<String, Object> vs = fixtures.asMap(fixtures.createIstio("virtualservice-weight-100.yaml"));
        route(vs, "primary").remove("match");
        fixtures.replaceVirtualService("v1alpha3", vs);
        HeaderMatch header = new HeaderMatch("x-canary", MatchType.REGEX, "^(yes|true)$");
        apply(router, primaryPolicy(), new TrafficSplit(0, header, 0), read(router, primaryPolicy()).resourceVersion());
        assertEquals(List.of(Map.of("headers", Map.of("x-canary", Map.of("regex", "^(yes|true)$")))),
                route(fixtures.virtualService("v1alpha3"), "primary-aviary-canary").get("match"));
        assertEquals(header, read(router, primaryPolicy()).split().headerRoute());
    }

    @Test
    void theHumansFocusedRouteIsLeftAloneThroughAHeaderStepAndRollback() throws Exception {
        fixtures.createIstio("virtualservice-focused.yaml");
        Map<String, Object> original = fixtures.virtualService("v1alpha3");
        Map<String, Object> focused = route(original, "focused-canary");
        Policy p = policy(null); // found by its subsets, not its name
        HeaderMatch header = new HeaderMatch("user-group", MatchType.PREFIX, "beta");

        String rv = apply(router, p, new TrafficSplit(0, header, 0), read(router, p).resourceVersion());
        Map<String, Object> after = fixtures.virtualService("v1alpha3");
        assertEquals(List.of("health", "focused-canary", "primary-aviary-canary", "primary", "legacy-predict"),
                routeNames(after));
        assertEquals(focused, route(after, "focused-canary"));
        assertEquals(header, read(router, p).split().headerRoute());

        rv = apply(router, p, new TrafficSplit(30, null, 0), rv);
        assertEquals(focused, route(fixtures.virtualService("v1alpha3"), "focused-canary"));
        apply(router, p, TrafficSplit.BASELINE_ONLY, rv);
        assertEquals(withoutServerFields(original), withoutServerFields(fixtures.virtualService("v1alpha3")));
    }

    @Test
    void aHeaderTheManagedRouteAlreadyMatchesOnIsRefused() throws Exception {
        Map<String, Object> vs = fixtures.asMap(fixtures.createIstio("virtualservice-weight-100.yaml"));
        for (Object c : Json.list(route(vs, "primary"), "match")) {
            Json.map(c).put("headers", Map.of("user-group", Map.of("exact", "canary")));
        }
        fixtures.replaceVirtualService("v1alpha3", vs);
        String rv = read(router, primaryPolicy()).resourceVersion();
        TargetException.Invalid e = assertThrows(TargetException.Invalid.class, () -> apply(router, primaryPolicy(),
                new TrafficSplit(0, new HeaderMatch("user-group", MatchType.EXACT, "canary"), 0), rv));
        assertTrue(e.getMessage().contains("already matches on header 'user-group'"), e.getMessage());
    }

    @Test
    void anUpperCaseHeaderIsRefusedBecauseIstioWouldReject() throws Exception {
        fixtures.createIstio("virtualservice-weight-100.yaml");
        String rv = read(router, primaryPolicy()).resourceVersion();
        TargetException.Invalid e = assertThrows(TargetException.Invalid.class, () -> apply(router, primaryPolicy(),
                new TrafficSplit(0, new HeaderMatch("X-Cohort", MatchType.EXACT, "a"), 0), rv));
        assertTrue(e.getMessage().contains("lower-case"), e.getMessage());
        assertEquals(rv, read(router, primaryPolicy()).resourceVersion(), "nothing was written");
    }

    @Test
    void aHandEditedManagedHeaderRouteIsReportedOnRead() throws Exception {
        fixtures.createIstio("virtualservice-weight-100.yaml");
        apply(router, primaryPolicy(), new TrafficSplit(0, new HeaderMatch("x-cohort", MatchType.EXACT, "a"), 0),
                read(router, primaryPolicy()).resourceVersion());
        Map<String, Object> vs = fixtures.virtualService("v1alpha3");
        for (Object c : Json.list(route(vs, "primary-aviary-canary"), "match")) {
            Json.map(Json.map(c), "headers").put("x-region", Map.of("exact", "eu"));
        }
        fixtures.replaceVirtualService("v1alpha3", vs);
        TargetException.Invalid e = assertThrows(TargetException.Invalid.class, () -> read(router, primaryPolicy()));
        assertTrue(e.getMessage().contains("'primary-aviary-canary'") && e.getMessage().contains("changed by hand"),
                e.getMessage());
        // rollback still removes it
        apply(router, primaryPolicy(), TrafficSplit.BASELINE_ONLY, Json.string(Json.map(
                fixtures.virtualService("v1alpha3"), "metadata"), "resourceVersion"));
        assertEquals(List.of("health", "primary", "legacy-predict"), routeNames(fixtures.virtualService("v1alpha3")));
    }

    // ---- mirror --------------------------------------------------------------------------------------------------

    @Test
    void mirrorIsSetOnTheManagedRouteAndRemovedAgain() throws Exception {
        fixtures.createIstio("virtualservice-weight-100.yaml");
        Map<String, Object> original = fixtures.virtualService("v1alpha3");
        Policy p = primaryPolicy();

        String rv = apply(router, p, new TrafficSplit(0, null, 20), read(router, p).resourceVersion());
        Map<String, Object> primary = route(fixtures.virtualService("v1alpha3"), "primary");
        assertEquals(Map.of("host", "image-classifier", "subset", "resnet101", "port", Map.of("number", 8501)),
                primary.get("mirror"));
        assertEquals(20.0, Json.number(Json.map(primary, "mirrorPercentage"), "value").doubleValue());
        assertEquals(new TrafficSplit(0, null, 20), read(router, p).split());
        assertEquals(unmanaged(original), unmanaged(fixtures.virtualService("v1alpha3")));
        assertEquals(List.of(), SCHEMA.violations(fixtures.virtualService("v1alpha3")));
        assertEquals(List.of(), CRD.violations(fixtures.virtualService("v1alpha3")));

        apply(router, p, TrafficSplit.BASELINE_ONLY, rv);
        assertEquals(withoutServerFields(original), withoutServerFields(fixtures.virtualService("v1alpha3")));
        assertEquals(0, read(router, p).split().mirrorPercent());
    }

    @Test
    void aMirrorWithoutPercentageMirrorsEverything() throws Exception {
        Map<String, Object> vs = fixtures.asMap(fixtures.createIstio("virtualservice-weight-100.yaml"));
        route(vs, "primary").put("mirror", Map.of("host", "image-classifier.default.svc.cluster.local", "subset", "resnet101"));
        fixtures.replaceVirtualService("v1alpha3", vs);
        assertEquals(100.0, read(router, primaryPolicy()).split().mirrorPercent());
    }

    @Test
    void aPersonsMirrorElsewhereIsNeitherReadNorReplacedNorRemoved() throws Exception {
        Map<String, Object> vs = fixtures.asMap(fixtures.createIstio("virtualservice-weight-100.yaml"));
        Map<String, Object> shadow = Map.of("host", "image-classifier-shadow", "subset", "resnet50");
        route(vs, "primary").put("mirror", shadow);
        route(vs, "primary").put("mirrorPercentage", Map.of("value", 5.0));
        fixtures.replaceVirtualService("v1alpha3", vs);
        LiveTraffic live = read(router, primaryPolicy());
        assertEquals(0, live.split().mirrorPercent());

        TargetException.Invalid e = assertThrows(TargetException.Invalid.class,
                () -> apply(router, primaryPolicy(), new TrafficSplit(0, null, 20), live.resourceVersion()));
        assertTrue(e.getMessage().contains("already mirrors to image-classifier-shadow/resnet50"), e.getMessage());

        apply(router, primaryPolicy(), new TrafficSplit(30, null, 0), live.resourceVersion());
        assertEquals(shadow, route(fixtures.virtualService("v1alpha3"), "primary").get("mirror"));
        assertEquals(Map.of("value", 5.0), route(fixtures.virtualService("v1alpha3"), "primary").get("mirrorPercentage"));
    }

    // ---- API versions --------------------------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({"virtualservice-weight-70.yaml, v1alpha3", "virtualservice-weight-70-v1beta1.yaml, v1beta1",
            "virtualservice-weight-70-v1.yaml, v1"})
    void everyApiVersionIsReadAndWrittenInPlace(String fixture, String version) throws Exception {
        GenericKubernetesResource created = fixtures.createIstio(fixture);
        assertEquals("networking.istio.io/" + version, created.getApiVersion());
        Map<String, Object> original = fixtures.virtualService(version);
        Policy p = primaryPolicy();
        LiveTraffic live = read(router, p);
        assertEquals(30, live.split().canaryWeight());

        apply(router, p, new TrafficSplit(50, new HeaderMatch("x-cohort", MatchType.EXACT, "a"), 0), live.resourceVersion());

        Map<String, Object> after = fixtures.virtualService(version);
        assertEquals("networking.istio.io/" + version, after.get("apiVersion"));
        assertEquals(50, weightOf(after, "primary", "resnet101"));
        assertEquals(unmanaged(original), unmanaged(after));
        assertEquals(List.of(), SCHEMA.violations(after));
        assertEquals(List.of(), CRD.violations(after));
        assertEquals(new TrafficSplit(50, new HeaderMatch("x-cohort", MatchType.EXACT, "a"), 0), read(router, p).split());
    }

    // ---- conflicts -----------------------------------------------------------------------------------------------

    @Test
    void theCrudMockRefusesAPutWithAStaleResourceVersion() {
        fixtures.createIstio("virtualservice-weight-70.yaml");
        Map<String, Object> stale = fixtures.virtualService("v1alpha3");
        fixtures.replaceVirtualService("v1alpha3", withLabel(fixtures.virtualService("v1alpha3"), "touched", "yes"));
        KubernetesClientException e = assertThrows(KubernetesClientException.class,
                () -> fixtures.replaceVirtualService("v1alpha3", withLabel(stale, "late", "yes")));
        assertEquals(409, e.getCode());
    }

    @Test
    void theCrudMockRefusesAJsonPatchCarryingAStaleResourceVersion() {
        fixtures.createIstio("virtualservice-weight-70.yaml");
        String stale = Json.string(Json.map(fixtures.virtualService("v1alpha3"), "metadata"), "resourceVersion");
        fixtures.replaceVirtualService("v1alpha3", withLabel(fixtures.virtualService("v1alpha3"), "touched", "yes"));
        String patch = "[{\"op\":\"replace\",\"path\":\"/metadata/resourceVersion\",\"value\":\"" + stale + "\"},"
                + "{\"op\":\"replace\",\"path\":\"/spec/http/1/route/1/weight\",\"value\":50}]";
        KubernetesClientException e = assertThrows(KubernetesClientException.class,
                () -> client.genericKubernetesResources(IstioFixtures.virtualServices("v1alpha3")).inNamespace(NS)
                        .withName(VS).patch(PatchContext.of(PatchType.JSON), patch));
        assertEquals(409, e.getCode());
        assertEquals(30, weightOf(fixtures.virtualService("v1alpha3"), "primary", "resnet101"));
    }

    @Test
    void aWriteOnAStaleResourceVersionIsAConflictAndChangesNothing() throws Exception {
        fixtures.createIstio("virtualservice-weight-70.yaml");
        String stale = read(router, primaryPolicy()).resourceVersion();
        // a person edits something Aviary does not manage: the patch is computed, sent, and refused by the server
        Map<String, Object> edited = fixtures.replaceVirtualService("v1alpha3",
                withLabel(fixtures.virtualService("v1alpha3"), "reviewed-by", "alice"));

        assertThrows(TargetException.Conflict.class,
                () -> apply(router, primaryPolicy(), new TrafficSplit(50, null, 0), stale));
        assertEquals(withoutServerFields(edited), withoutServerFields(fixtures.virtualService("v1alpha3")));
        assertEquals(30, read(router, primaryPolicy()).split().canaryWeight());
    }

    @Test
    void aStaleWriteThatWouldChangeNothingIsStillAConflict() throws Exception {
        fixtures.createIstio("virtualservice-weight-70.yaml");
        String stale = read(router, primaryPolicy()).resourceVersion();
        fixtures.replaceVirtualService("v1alpha3", withLabel(fixtures.virtualService("v1alpha3"), "reviewed-by", "alice"));
        assertThrows(TargetException.Conflict.class,
                () -> apply(router, primaryPolicy(), new TrafficSplit(30, null, 0), stale));
    }

    @Test
    void aRouteThatDisappearedAfterTheReadIsAConflictNotABrokenTarget() throws Exception {
        fixtures.createIstio("virtualservice-weight-70.yaml");
        String stale = read(router, primaryPolicy()).resourceVersion();
        Map<String, Object> vs = fixtures.virtualService("v1alpha3");
        route(vs, "primary").put("name", "main");
        fixtures.replaceVirtualService("v1alpha3", vs);
        assertThrows(TargetException.Conflict.class,
                () -> apply(router, primaryPolicy(), new TrafficSplit(50, null, 0), stale));
    }

    @ParameterizedTest
    @CsvSource({"virtualservice-weight-100.yaml", "virtualservice-weight-70.yaml", "virtualservice-focused.yaml",
            "virtualservice-weight-70-v1beta1.yaml", "virtualservice-weight-70-v1.yaml"})
    void everyFixtureIsAValidVirtualService(String fixture) {
        Map<String, Object> created = fixtures.asMap(fixtures.createIstio(fixture));
        assertEquals(List.of(), SCHEMA.violations(created));
        assertEquals(List.of(), CRD.violations(created));
    }

    // ---- errors --------------------------------------------------------------------------------------------------

    @Test
    void aMissingVirtualServiceIsNamed() {
        TargetException.Invalid e = assertThrows(TargetException.Invalid.class, () -> read(router, primaryPolicy()));
        assertEquals("VirtualService default/image-classifier not found", e.getMessage());
    }

    @Test
    void aMissingRouteListsTheRoutesPresent() {
        fixtures.createIstio("virtualservice-weight-70.yaml");
        TargetException.Invalid e = assertThrows(TargetException.Invalid.class, () -> read(router, policy("canary-split")));
        assertTrue(e.getMessage().contains("no http route named 'canary-split'"), e.getMessage());
        assertTrue(e.getMessage().contains("[health, primary, legacy-predict]"), e.getMessage());
    }

    @Test
    void aMissingSubsetSaysHowToAddIt() {
        fixtures.createIstio("virtualservice-weight-70.yaml");
        Policy p = policy("primary", new IstioTarget.Arm("resnet50", null, null), new IstioTarget.Arm("resnet152", null, null));
        TargetException.Invalid e = assertThrows(TargetException.Invalid.class, () -> read(router, p));
        assertTrue(e.getMessage().contains("no destination with subset 'resnet152'"), e.getMessage());
        assertTrue(e.getMessage().contains("{destination: {host: image-classifier, subset: resnet152}, weight: 0}"),
                e.getMessage());
    }

    @Test
    void withoutARouteNameNoCandidateIsAnError() {
        fixtures.createIstio("virtualservice-weight-70.yaml");
        Policy p = policy(null, new IstioTarget.Arm("resnet50", null, null), new IstioTarget.Arm("resnet152", null, null));
        TargetException.Invalid e = assertThrows(TargetException.Invalid.class, () -> read(router, p));
        assertTrue(e.getMessage().contains("no http route sending to both subsets resnet50 and resnet152"), e.getMessage());
    }

    @Test
    void withoutARouteNameTwoCandidatesAreAnError() {
        Map<String, Object> vs = fixtures.asMap(fixtures.createIstio("virtualservice-weight-70.yaml"));
        Map<String, Object> copy = Json.deepCopyMap(route(vs, "primary"));
        copy.put("name", "primary-grpc");
        Json.list(Json.map(vs, "spec"), "http").add(copy);
        fixtures.replaceVirtualService("v1alpha3", vs);
        TargetException.Invalid e = assertThrows(TargetException.Invalid.class, () -> read(router, policy(null)));
        assertTrue(e.getMessage().contains("[primary, primary-grpc]"), e.getMessage());
        assertTrue(e.getMessage().contains("target.istio.route"), e.getMessage());
    }

    @Test
    void aThirdWeightedDestinationIsRefusedRatherThanBreakingTheSum() throws Exception {
        Map<String, Object> vs = fixtures.asMap(fixtures.createIstio("virtualservice-weight-70.yaml"));
        Map<String, Object> third = Json.deepCopyMap(destinationEntry(vs, "primary", "resnet101"));
        Json.map(third, "destination").put("subset", "resnet34");
        third.put("weight", 10);
        destinationEntry(vs, "primary", "resnet50").put("weight", 60);
        Json.list(route(vs, "primary"), "route").add(third);
        fixtures.replaceVirtualService("v1alpha3", vs);
        String rv = read(router, primaryPolicy()).resourceVersion();
        TargetException.Invalid e = assertThrows(TargetException.Invalid.class,
                () -> apply(router, primaryPolicy(), new TrafficSplit(50, null, 0), rv));
        assertTrue(e.getMessage().contains("image-classifier/resnet34"), e.getMessage());
    }

    // ---- arm labels ----------------------------------------------------------------------------------------------

    @Test
    void armLabelsComeFromTheDestinationRuleSubsets() throws Exception {
        fixtures.createIstio("virtualservice-weight-70.yaml");
        fixtures.createIstio("destinationrule.yaml");
        assertEquals(new ArmLabels("v1", "v2", "image-classifier"), armLabels(router, primaryPolicy()));
    }

    @Test
    void armLabelsMatchADestinationRuleWrittenWithTheFullHostName() throws Exception {
        fixtures.createIstio("virtualservice-weight-70.yaml");
        GenericKubernetesResource dr = fixtures.generic("destinationrule.yaml");
        Json.map(dr.getAdditionalProperties().get("spec")).put("host", "image-classifier.default.svc.cluster.local");
        fixtures.createIstio(dr);
        assertEquals(new ArmLabels("v1", "v2", "image-classifier"), armLabels(router, primaryPolicy()));
    }

    @Test
    void armLabelsIgnoreADestinationRuleForAnotherHost() throws Exception {
        fixtures.createIstio("virtualservice-weight-70.yaml");
        GenericKubernetesResource dr = fixtures.generic("destinationrule.yaml");
        Json.map(dr.getAdditionalProperties().get("spec")).put("host", "image-classifier.staging.svc.cluster.local");
        fixtures.createIstio(dr);
        assertEquals(new ArmLabels("resnet50", "resnet101", "image-classifier"), armLabels(router, primaryPolicy()));
    }

    @Test
    void armLabelsFallBackToTheSubsetNames() throws Exception {
        fixtures.createIstio("virtualservice-weight-70.yaml");
        assertEquals(new ArmLabels("resnet50", "resnet101", "image-classifier"), armLabels(router, primaryPolicy()));
    }

    @Test
    void armLabelsNamedInThePolicyWin() throws Exception {
        fixtures.createIstio("virtualservice-weight-70.yaml");
        fixtures.createIstio("destinationrule.yaml");
        Policy p = policy("primary", new IstioTarget.Arm("resnet50", "resnet50-2024-03", null),
                new IstioTarget.Arm("resnet101", "resnet101-2024-06", null));
        assertEquals(new ArmLabels("resnet50-2024-03", "resnet101-2024-06", "image-classifier"), armLabels(router, p));
        Policy canaryOnly = policy("primary", new IstioTarget.Arm("resnet50", null, null),
                new IstioTarget.Arm("resnet101", "resnet101-2024-06", null));
        assertEquals(new ArmLabels("v1", "resnet101-2024-06", "image-classifier"), armLabels(router, canaryOnly));
    }

    // ---- canary identity -----------------------------------------------------------------------------------------

    @Test
    void canaryIdentityFollowsTheCanaryPodTemplateOnly() throws Exception {
        fixtures.createIstio("virtualservice-weight-70.yaml");
        fixtures.createIstio("destinationrule.yaml");
        fixtures.createWorkloads();
        String first = read(router, primaryPolicy()).canaryIdentity();
        assertNotNull(first);
        assertEquals(first, read(router, primaryPolicy()).canaryIdentity(), "stable across reads");

        client.apps().deployments().inNamespace(NS).withName("image-classifier-resnet50")
                .edit(d -> { d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("tensorflow/serving:2.15.0"); return d; });
        client.apps().deployments().inNamespace(NS).withName("text-embedder")
                .edit(d -> { d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("tensorflow/serving:2.15.0"); return d; });
        client.apps().deployments().inNamespace(NS).withName("image-classifier-resnet101")
                .edit(d -> { d.getSpec().setReplicas(5); return d; });
        assertEquals(first, read(router, primaryPolicy()).canaryIdentity(),
                "baseline template, another app's version=v2 pods and the canary's replicas are not the canary's identity");

        client.apps().deployments().inNamespace(NS).withName("image-classifier-resnet101")
                .edit(d -> { d.getSpec().getTemplate().getMetadata().getAnnotations().put("kubectl.kubernetes.io/restartedAt", "2024-06-01T10:00:00Z"); return d; });
        assertEquals(first, read(router, primaryPolicy()).canaryIdentity(), "a restart is not a new canary");

        client.apps().deployments().inNamespace(NS).withName("image-classifier-resnet101")
                .edit(d -> { d.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()
                        .set(1, "--model_base_path=gs://vision-models/resnet101-v2"); return d; });
        String second = read(router, primaryPolicy()).canaryIdentity();
        assertNotNull(second);
        assertNotEquals(first, second);
    }

    @Test
    void canaryIdentityIsUnknownWithoutDestinationRuleOrDeployment() throws Exception {
        fixtures.createIstio("virtualservice-weight-70.yaml");
        fixtures.createWorkloads();
        assertNull(read(router, primaryPolicy()).canaryIdentity(), "no DestinationRule");
        fixtures.createIstio("destinationrule.yaml");
        client.apps().deployments().inNamespace(NS).withName("image-classifier-resnet101").delete();
        assertNull(read(router, primaryPolicy()).canaryIdentity(), "no canary Deployment");
    }

    @Test
    void bindsOnlyIstioTargets() {
        Policy p = primaryPolicy();
        RoutedTarget<?> bound = TrafficRouters.of(router).route(p.target(), NS).orElseThrow();
        assertEquals(p.target(), bound.target());
        assertTrue(TrafficRouters.of(router).route(new KServeTarget("image-classifier"), NS).isEmpty(),
                "an InferenceService is not the Istio router's to move");
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    /** The object without the server fields and without every path Aviary manages on route 'primary'. */
    private static Map<String, Object> unmanaged(Map<String, Object> vs) {
        return VirtualServiceMaps.unmanaged(vs, "primary-aviary-canary", "resnet50", "resnet101");
    }

    private static Map<String, Object> withLabel(Map<String, Object> vs, String key, String value) {
        Map<String, Object> copy = Json.deepCopyMap(vs);
        Map<String, Object> metadata = Json.map(copy, "metadata");
        Map<String, Object> labels = new LinkedHashMap<>(Json.map(metadata, "labels"));
        labels.put(key, value);
        metadata.put("labels", labels);
        return copy;
    }

    private static Map<String, Object> route(Map<String, Object> vs, String name) {
        return Json.list(Json.map(vs, "spec"), "http").stream().map(Json::map)
                .filter(r -> name.equals(Json.string(r, "name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no route " + name + " in " + routeNames(vs)));
    }

    private static Map<String, Object> destinationEntry(Map<String, Object> vs, String route, String subset) {
        return Json.list(route(vs, route), "route").stream().map(Json::map)
                .filter(d -> subset.equals(Json.string(Json.map(d, "destination"), "subset"))).findFirst()
                .orElseThrow(() -> new AssertionError("no destination " + subset + " in route " + route));
    }

    private static Map<String, Object> destination(Map<String, Object> vs, String route, String subset) {
        return destinationEntry(vs, route, subset);
    }

    private static int weightOf(Map<String, Object> vs, String route, String subset) {
        return Json.number(destinationEntry(vs, route, subset), "weight").intValue();
    }
}
