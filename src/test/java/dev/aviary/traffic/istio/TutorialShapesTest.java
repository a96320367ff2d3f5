package dev.aviary.traffic.istio;

import dev.aviary.traffic.Json;
import static dev.aviary.traffic.istio.IstioFixtures.NS;
import static dev.aviary.traffic.istio.TutorialSteps.BASELINE;
import static dev.aviary.traffic.istio.TutorialSteps.CANARY;
import static dev.aviary.traffic.istio.TutorialSteps.CANARY_GROUP;
import static dev.aviary.traffic.istio.TutorialSteps.CRD;
import static dev.aviary.traffic.istio.TutorialSteps.FOCUSED;
import static dev.aviary.traffic.istio.TutorialSteps.HEADER_ROUTE;
import static dev.aviary.traffic.istio.TutorialSteps.SCHEMA;
import static dev.aviary.traffic.istio.TutorialSteps.WEIGHT_100;
import static dev.aviary.traffic.istio.TutorialSteps.withWeights;
import static dev.aviary.traffic.istio.IstioFixtures.apply;
import static dev.aviary.traffic.istio.IstioFixtures.armLabels;
import static dev.aviary.traffic.istio.IstioFixtures.read;
import static dev.aviary.traffic.istio.VirtualServiceMaps.destinationEntry;
import static dev.aviary.traffic.istio.VirtualServiceMaps.http;
import static dev.aviary.traffic.istio.VirtualServiceMaps.managedIndex;
import static dev.aviary.traffic.istio.VirtualServiceMaps.managedRoute;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.aviary.policy.IstioTarget;
import dev.aviary.policy.Policy;
import dev.aviary.policy.PolicyLoader;
import dev.aviary.policy.Step.HeaderMatch;
import dev.aviary.policy.Step.HeaderMatch.MatchType;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.TargetException;
import dev.aviary.traffic.TrafficSplit;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Every router operation on the objects of the TF Serving + Istio canary tutorial exactly as users apply them (one
 * unnamed route at index 0, or after the focused-routing header route; {@code hosts: ["*"]}, a gateway, port 8501),
 * with the example policy's target: no route name. After each write the whole object is compared with the original
 * minus the managed paths, and checked against Istio's VirtualService schema.
 */
@EnableKubernetesMockClient(crud = true)
class TutorialShapesTest {

    static KubernetesClient client;

    private static final Path EXAMPLE_POLICY = Path.of("policies/image-classifier.yaml");

    private IstioFixtures fixtures;
    private IstioRouter router;
    private TutorialSteps steps;

    @BeforeEach
    void setUp() {
        fixtures = new IstioFixtures(client);
        steps = TutorialSteps.load(fixtures);
        router = steps.router();
    }

    /** policies/image-classifier.yaml's target: no route name, the route is the one holding both subsets. */
    private static Policy tutorialPolicy() {
        return IstioFixtures.policy(null);
    }

    // ---- the policy's steps --------------------------------------------------------------------------------------

    @Test
    void theFirstStepOnTheTutorialsRouteAtIndexZeroInsertsTheHeaderRouteAboveIt() throws Exception {
        fixtures.createIstio(WEIGHT_100);
        Policy p = tutorialPolicy();
        apply(router, p, new TrafficSplit(0, CANARY_GROUP, 0), read(router, p).resourceVersion());
        Map<String, Object> after = fixtures.virtualService("v1alpha3");
        assertEquals(HEADER_ROUTE, Json.string(Json.map(http(after).get(0)), "name"));
        assertEquals(1, managedIndex(after, BASELINE, CANARY));
        assertEquals(CANARY_GROUP, read(router, p).split().headerRoute());
    }

    /** The shipped example policy, as written, drives the tutorial's object through all its steps. */
    @ParameterizedTest
    @ValueSource(strings = {WEIGHT_100, FOCUSED})
    void theExamplePolicysStepsChangeOnlyTheManagedFields(String fixture) throws Exception {
        fixtures.createIstio(fixture);
        Map<String, Object> original = fixtures.virtualService("v1alpha3");
        assertEquals(List.of(), SCHEMA.violations(original), "the fixture is a valid VirtualService");
        assertEquals(List.of(), CRD.violations(original));
        Policy p = new PolicyLoader().load(EXAMPLE_POLICY);

        LiveTraffic start = read(router, p);
        assertEquals(TrafficSplit.BASELINE_ONLY, start.split());
        assertNotNull(start.canaryIdentity(), "the canary Deployment is found through the subset's version label");
        assertEquals(new ArmLabels(BASELINE, CANARY, "image-classifier"), armLabels(router, p));

        // the mirror step copies every request to the canary: Istio's mirrorPercentage.value is 100 (a percent, 0-100)
        List<Map<String, Object>> expected = List.of(withMirror(original, 100.0), withWeights(original, 70, 30),
                withWeights(original, 50, 50),
                withWeights(original, 0, 100)); // promotion keeps the baseline wired in at 0, for the next canary
        assertEquals(expected.size(), p.steps().size(), "mirror 100%, 30, 50, 100");
        for (int i = 0; i < expected.size(); i++) step(p, original, TrafficSplit.forStep(p.steps().get(i)), expected.get(i));
    }

    @Test
    void theSandboxRunsTheTutorialsVirtualServiceAndGatewayWithTheExamplePolicysTarget() throws Exception {
        Map<String, Map<String, Object>> sandbox = new LinkedHashMap<>();
        try (InputStream in = getClass().getResourceAsStream("/sandbox/cluster/image-classifier.yaml")) {
            for (Map<String, Object> o : new ObjectMapper(new YAMLFactory()).readerFor(Map.class).<Map<String, Object>>readValues(in).readAll()) {
                sandbox.put(String.valueOf(o.get("kind")), o);
            }
        }
        assertEquals(fixtures.asMap(fixtures.generic(WEIGHT_100)).get("spec"), sandbox.get("VirtualService").get("spec"));
        assertEquals(fixtures.asMap(fixtures.generic("tutorial/gateway.yaml")).get("spec"), sandbox.get("Gateway").get("spec"));
        Policy example = new PolicyLoader().load(EXAMPLE_POLICY);
        assertNull(((IstioTarget) example.target()).route(), "no route name: the tutorial's route has none");
        try (InputStream in = getClass().getResourceAsStream("/sandbox/policies/image-classifier.yaml")) {
            Policy demo = new PolicyLoader().parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), Path.of("sandbox.yaml"));
            assertEquals(example.target(), demo.target());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {WEIGHT_100, FOCUSED})
    void rollbackFromEveryStepRestoresTheTutorialsObject(String fixture) throws Exception {
        fixtures.createIstio(fixture);
        Map<String, Object> original = fixtures.virtualService("v1alpha3");
        Policy p = tutorialPolicy();
        List<TrafficSplit> states = List.of(new TrafficSplit(0, CANARY_GROUP, 0), new TrafficSplit(30, null, 0),
                new TrafficSplit(50, null, 0), new TrafficSplit(0, null, 20),
                new TrafficSplit(50, new HeaderMatch("x-cohort", MatchType.PREFIX, "beta"), 10));
        for (TrafficSplit state : states) {
            apply(router, p, state, read(router, p).resourceVersion());
            assertEquals(state, read(router, p).split());
            step(p, original, TrafficSplit.BASELINE_ONLY, original);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {WEIGHT_100, FOCUSED})
    void aMirrorIsSetOnTheTutorialsRouteAndRemovedAgain(String fixture) throws Exception {
        fixtures.createIstio(fixture);
        Map<String, Object> original = fixtures.virtualService("v1alpha3");
        Policy p = tutorialPolicy();
        step(p, original, new TrafficSplit(0, null, 20), withMirror(original, 20.0));
        step(p, original, new TrafficSplit(0, null, 50), withMirror(original, 50.0));
        step(p, original, TrafficSplit.BASELINE_ONLY, original);
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1beta1", "v1"})
    void theTutorialsObjectUnderNewerApiVersionsIsWrittenInPlace(String version) throws Exception {
        GenericKubernetesResource vs = fixtures.generic(WEIGHT_100);
        vs.setApiVersion("networking.istio.io/" + version);
        fixtures.createIstio(vs);
        Map<String, Object> original = fixtures.virtualService(version);
        Policy p = tutorialPolicy();
        step(p, original, new TrafficSplit(0, CANARY_GROUP, 0), withHeaderRoute(original), version);
        step(p, original, new TrafficSplit(30, null, 0), withWeights(original, 70, 30), version);
        step(p, original, TrafficSplit.BASELINE_ONLY, original, version);
    }

    @Test
    void destinationsWithoutAPortGiveAHeaderRouteAndAMirrorWithoutOne() throws Exception {
        Map<String, Object> vs = fixtures.asMap(fixtures.createIstio(WEIGHT_100));
        for (Object d : Json.list(managedRoute(vs, BASELINE, CANARY), "route")) Json.map(Json.map(d), "destination").remove("port");
        Map<String, Object> original = fixtures.replaceVirtualService("v1alpha3", vs);
        Policy p = tutorialPolicy();
        step(p, original, new TrafficSplit(0, CANARY_GROUP, 0), withHeaderRoute(original));
        step(p, original, new TrafficSplit(0, null, 20), withMirror(original, 20.0));
        step(p, original, TrafficSplit.BASELINE_ONLY, original);
    }

    @Test
    void aCanaryDestinationWithoutWeightReadsAsZeroAndGetsItsWeightWritten() throws Exception {
        Map<String, Object> vs = fixtures.asMap(fixtures.createIstio(WEIGHT_100));
        destinationEntry(managedRoute(vs, BASELINE, CANARY), CANARY).remove("weight");
        Map<String, Object> original = fixtures.replaceVirtualService("v1alpha3", vs);
        Policy p = tutorialPolicy();
        assertEquals(TrafficSplit.BASELINE_ONLY, read(router, p).split());
        // every move writes both weights explicitly: the canary's 0 is spelled out from the first step on
        step(p, original, new TrafficSplit(0, CANARY_GROUP, 0), withHeaderRoute(withWeights(original, 100, 0)));
        step(p, original, new TrafficSplit(30, null, 0), withWeights(original, 70, 30));
        step(p, original, TrafficSplit.BASELINE_ONLY, withWeights(original, 100, 0));
    }

    @Test
    void armsWithoutAnyWeightReadAsNoCanaryTraffic() throws Exception {
        Map<String, Object> vs = fixtures.asMap(fixtures.createIstio(WEIGHT_100));
        for (Object d : Json.list(managedRoute(vs, BASELINE, CANARY), "route")) Json.map(d).remove("weight");
        Map<String, Object> original = fixtures.replaceVirtualService("v1alpha3", vs);
        Policy p = tutorialPolicy();
        assertEquals(TrafficSplit.BASELINE_ONLY, read(router, p).split());
        step(p, original, new TrafficSplit(30, null, 0), withWeights(original, 70, 30));
    }

    // ---- shapes Aviary cannot manage: a message that says what to fix ---------------------------------------------

    @Test
    void theFocusedRoutingFileAsPublishedSaysHowToWireTheCanaryIn() {
        fixtures.createIstio("tutorial/virtualservice-focused-routing-as-published.yaml");
        TargetException.Invalid e = assertThrows(TargetException.Invalid.class, () -> read(router, tutorialPolicy()));
        assertTrue(e.getMessage().contains("no http route sending to both subsets resnet50 and resnet101"), e.getMessage());
        assertTrue(e.getMessage().contains("add the canary as a destination with weight 0"), e.getMessage());
    }

    @Test
    void aPolicyNamingOneSubsetForBothArmsIsRefused() {
        fixtures.createIstio(WEIGHT_100);
        Policy p = IstioFixtures.policy(null, new IstioTarget.Arm(BASELINE, null, null), new IstioTarget.Arm(BASELINE, null, null));
        TargetException.Invalid e = assertThrows(TargetException.Invalid.class, () -> read(router, p));
        assertTrue(e.getMessage().contains("names subset 'resnet50' for both baseline and canary"), e.getMessage());
    }

    static Stream<Arguments> malformedShapes() {
        return Stream.of(
                malformed("no http field", vs -> spec(vs).remove("http"), "has no http routes"),
                malformed("an empty http list", vs -> spec(vs).put("http", new ArrayList<>()), "has no http routes"),
                malformed("http is an object", vs -> spec(vs).put("http", Map.of("route", List.of())), "has no http routes"),
                malformed("the canary destination is missing",
                        vs -> Json.list(route(vs), "route").remove(1), "add the canary as a destination with weight 0"),
                malformed("the route's destinations are an object",
                        vs -> route(vs).put("route", Map.of("destination", Map.of("host", "image-classifier"))),
                        "no http route sending to both subsets"),
                malformed("the canary destination has no host",
                        vs -> Json.map(destinationEntry(route(vs), CANARY), "destination").remove("host"), "but no host"),
                malformed("a weight written as a string",
                        vs -> destinationEntry(route(vs), CANARY).put("weight", "0"), "the weight '0'"),
                malformed("a weight with a line break in it",
                        vs -> destinationEntry(route(vs), CANARY).put("weight", "0\nINFO all good"), "the weight '0\\nINFO all good'"),
                malformed("a route name with a line break and no canary", vs -> {
                    route(vs).put("name", "main\nINFO all good");
                    Json.list(route(vs), "route").remove(1);
                }, "[main\\nINFO all good]"),
                malformed("a negative weight", vs -> {
                    destinationEntry(route(vs), BASELINE).put("weight", 110);
                    destinationEntry(route(vs), CANARY).put("weight", -10);
                }, "the weight '-10'"),
                malformed("a fractional weight",
                        vs -> destinationEntry(route(vs), CANARY).put("weight", 12.5), "the weight '12.5'"),
                malformed("a third destination with weight", vs -> {
                    Map<String, Object> third = Json.deepCopyMap(destinationEntry(route(vs), CANARY));
                    Json.map(third, "destination").put("subset", "resnet152");
                    third.put("weight", 10);
                    destinationEntry(route(vs), BASELINE).put("weight", 90);
                    Json.list(route(vs), "route").add(third);
                }, "image-classifier/resnet152, which is neither arm"),
                malformed("match is an object, not a list",
                        vs -> route(vs).put("match", Map.of("uri", Map.of("prefix", "/v1"))), "'match' that is not a list"),
                malformed("a match condition that is a string",
                        vs -> route(vs).put("match", List.of("everything")), "match condition #0 that is not an object"),
                malformed("mirrors next to the mirror Aviary would set",
                        vs -> route(vs).put("mirrors", List.of(Map.of("destination", Map.of("host", "shadow")))),
                        "remove 'mirrors'"));
    }

    private static Arguments malformed(String what, Consumer<Map<String, Object>> edit, String message) {
        return Arguments.of(what, edit, message);
    }

    /**
     * Every operation on a malformed object either works or is a TargetException.Invalid with a one-line message
     * naming the VirtualService; at least one says what to fix; nothing is half-written.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedShapes")
    void aMalformedShapeIsAnInvalidTargetWithAMessageNeverACrash(String what, Consumer<Map<String, Object>> edit,
            String message) throws Exception {
        Map<String, Object> vs = fixtures.asMap(fixtures.createIstio(WEIGHT_100));
        Map<String, Object> valid = Json.deepCopyMap(vs);
        edit.accept(vs);
        Map<String, Object> broken = fixtures.replaceVirtualService("v1alpha3", vs);
        try {
            checkEveryOperation(what, broken, message);
        } finally {
            // the client's delete reads the deleted objects back through fabric8's typed Istio model, which
            // cannot parse some of these shapes: put the valid object back for the next test's clear()
            Json.map(valid, "metadata").put("resourceVersion", Json.string(Json.map(fixtures.virtualService("v1alpha3"), "metadata"), "resourceVersion"));
            fixtures.replaceVirtualService("v1alpha3", valid);
        }
    }

    private void checkEveryOperation(String what, Map<String, Object> broken, String message) {
        String rv = Json.string(Json.map(broken, "metadata"), "resourceVersion");
        Policy p = tutorialPolicy();
        List<TrafficSplit> moves = List.of(new TrafficSplit(0, CANARY_GROUP, 0), new TrafficSplit(30, null, 0),
                new TrafficSplit(0, null, 20), TrafficSplit.BASELINE_ONLY);
        List<String> messages = new ArrayList<>();
        try {
            read(router, p);
        } catch (TargetException.Invalid e) {
            messages.add(e.getMessage());
        } catch (TargetException | RuntimeException e) {
            fail(what + ": read threw " + e, e);
        }
        for (TrafficSplit move : moves) {
            try {
                rv = apply(router, p, move, rv);
            } catch (TargetException.Invalid e) {
                messages.add(e.getMessage());
                assertEquals(rv, Json.string(Json.map(fixtures.virtualService("v1alpha3"), "metadata"), "resourceVersion"),
                        "a refused move writes nothing");
            } catch (TargetException | RuntimeException e) {
                fail(what + ": " + move.describe() + " threw " + e, e);
            }
        }
        assertTrue(messages.stream().anyMatch(m -> m.contains(message)), what + ": no message says '" + message + "': " + messages);
        for (String m : messages) {
            assertFalse(m.contains("\n"), "one line: " + m);
            assertTrue(m.contains("VirtualService " + NS + "/image-classifier"), "names the object: " + m);
        }
    }

    @Test
    void theSchemaCheckCatchesWhatTheApiServerWouldRefuseOrPrune() {
        Map<String, Object> vs = fixtures.asMap(fixtures.createIstio(WEIGHT_100));
        destinationEntry(route(vs), CANARY).put("weight", "30");
        route(vs).put("timeout", "0.5ms");
        route(vs).put("mirrorPercentage", Map.of("value", 20.0, "unit", "percent"));
        route(vs).put("mirror", Map.of("subset", CANARY));
        assertEquals(List.of(".spec.http[0].mirror: missing required field host",
                        ".spec.http[0].mirrorPercentage.unit: unknown field (the API server prunes it)",
                        ".spec.http[0].route[1].weight: must be an integer, got 30",
                        ".spec.http[0].timeout: must be a valid duration greater than 1ms, got 0.5ms"),
                SCHEMA.violations(vs).stream().sorted().toList());
        List<String> library = CRD.violations(vs);
        assertTrue(library.stream().anyMatch(m -> m.contains("weight") && m.contains("integer")), library.toString());
        assertTrue(library.stream().anyMatch(m -> m.contains("unit")), "the validator library sees the pruned field too: " + library);
    }

    // ---- one step, checked ---------------------------------------------------------------------------------------

    private String step(Policy p, Map<String, Object> original, TrafficSplit split, Map<String, Object> expected)
            throws TargetException {
        return step(p, original, split, expected, "v1alpha3");
    }

    /** {@link TutorialSteps#step}: the object, its schema, the read-back and a no-op re-apply, checked. */
    private String step(Policy p, Map<String, Object> original, TrafficSplit split, Map<String, Object> expected,
            String version) throws TargetException {
        return steps.step(p, original, split, expected, version);
    }

    // ---- the expected objects, spelled out -----------------------------------------------------------------------

    /** The tutorial's focused-routing route, named, right above the weighted route. */
    private static Map<String, Object> withHeaderRoute(Map<String, Object> vs) {
        Map<String, Object> copy = Json.deepCopyMap(vs);
        int index = managedIndex(copy, BASELINE, CANARY);
        Map<String, Object> canary = Json.map(destinationEntry(managedRoute(copy, BASELINE, CANARY), CANARY), "destination");
        Map<String, Object> route = new LinkedHashMap<>();
        route.put("name", HEADER_ROUTE);
        route.put("match", List.of(Map.of("headers", Map.of("user-group", Map.of("exact", "canary")))));
        route.put("route", List.of(Map.of("destination", Json.deepCopy(canary))));
        http(copy).add(index, route);
        return copy;
    }

    private static Map<String, Object> withMirror(Map<String, Object> vs, double percent) {
        Map<String, Object> copy = Json.deepCopyMap(vs);
        Map<String, Object> route = managedRoute(copy, BASELINE, CANARY);
        route.put("mirror", Json.deepCopy(Json.map(destinationEntry(route, CANARY), "destination")));
        route.put("mirrorPercentage", Map.of("value", percent));
        return copy;
    }

    private static Map<String, Object> spec(Map<String, Object> vs) {
        return Json.map(vs, "spec");
    }

    /** The tutorial's one route. */
    private static Map<String, Object> route(Map<String, Object> vs) {
        return Json.map(http(vs).get(0));
    }
}
