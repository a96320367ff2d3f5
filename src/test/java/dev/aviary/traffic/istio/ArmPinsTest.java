package dev.aviary.traffic.istio;

import static dev.aviary.traffic.istio.IstioFixtures.NS;
import static dev.aviary.traffic.istio.IstioFixtures.apply;
import static dev.aviary.traffic.istio.IstioFixtures.read;
import static dev.aviary.traffic.istio.TutorialSteps.BASELINE;
import static dev.aviary.traffic.istio.TutorialSteps.CANARY;
import static dev.aviary.traffic.istio.TutorialSteps.CANARY_GROUP;
import static dev.aviary.traffic.istio.TutorialSteps.CRD;
import static dev.aviary.traffic.istio.TutorialSteps.FOCUSED;
import static dev.aviary.traffic.istio.TutorialSteps.HEADER_ROUTE;
import static dev.aviary.traffic.istio.TutorialSteps.SCHEMA;
import static dev.aviary.traffic.istio.TutorialSteps.WEIGHT_100;
import static dev.aviary.traffic.istio.TutorialSteps.withWeights;
import static dev.aviary.traffic.istio.VirtualServiceMaps.destinationEntry;
import static dev.aviary.traffic.istio.VirtualServiceMaps.http;
import static dev.aviary.traffic.istio.VirtualServiceMaps.managedIndex;
import static dev.aviary.traffic.istio.VirtualServiceMaps.managedRoute;
import static dev.aviary.traffic.istio.VirtualServiceMaps.routeNames;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.policy.IstioTarget;
import dev.aviary.policy.Policy;
import dev.aviary.policy.Step.HeaderMatch;
import dev.aviary.policy.Step.HeaderMatch.MatchType;
import dev.aviary.traffic.ArmEndpoints;
import dev.aviary.traffic.Json;
import dev.aviary.traffic.TargetException;
import dev.aviary.traffic.TrafficSplit;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The routes that pin a request to one arm, on the TF Serving + Istio tutorial's objects exactly as users apply them
 * (one unnamed route at index 0, or below the focused-routing route; {@code hosts: ["*"]}, a gateway, port 8501):
 * added with a step, kept across 30/50, above the header step's route, removed on promotion and rollback from any
 * state, valid against Istio's VirtualService CRD, re-applied without a write, and read as gone when a person edits
 * one. And the endpoints derived through them: refused on the tutorial's gateway-only VirtualService with what to
 * write, given on one bound to the mesh.
 */
@EnableKubernetesMockClient(crud = true)
class ArmPinsTest {

    static KubernetesClient client;

    private static final String PIN_BASELINE = "aviary-pin-baseline";
    private static final String PIN_CANARY = "aviary-pin-canary";

    private IstioFixtures fixtures;
    private IstioRouter router;
    private TutorialSteps steps;
    private final Policy policy = IstioFixtures.policy(null);

    @BeforeEach
    void setUp() {
        fixtures = new IstioFixtures(client);
        steps = TutorialSteps.load(fixtures);
        router = steps.router();
    }

    @ParameterizedTest
    @ValueSource(strings = {WEIGHT_100, FOCUSED})
    void thePinsAreAddedAboveTheTutorialsRouteKeptAcross30And50AndRemovedOnPromotion(String fixture) throws Exception {
        fixtures.createIstio(fixture);
        Map<String, Object> original = fixtures.virtualService("v1alpha3");
        step(original, pinned(30), withPins(withWeights(original, 70, 30)));
        step(original, pinned(50), withPins(withWeights(original, 50, 50)));
        List<String> names = routeNames(fixtures.virtualService("v1alpha3"));
        assertEquals(names.indexOf(PIN_BASELINE) + 1, names.indexOf(PIN_CANARY));
        assertEquals(names.indexOf(PIN_CANARY) + 1, managedIndex(fixtures.virtualService("v1alpha3"), BASELINE, CANARY),
                "right above the managed route, below the person's own routes: " + names);
        step(original, new TrafficSplit(100, null, 0), withWeights(original, 0, 100));
    }

    @ParameterizedTest
    @ValueSource(strings = {WEIGHT_100, FOCUSED})
    void withTheHeaderStepThePinsSitAboveItsRouteSoAPinWinsOverTheCohort(String fixture) throws Exception {
        fixtures.createIstio(fixture);
        Map<String, Object> original = fixtures.virtualService("v1alpha3");
        step(original, new TrafficSplit(0, CANARY_GROUP, 0, true), withPins(withHeaderRoute(original)));
        List<String> names = routeNames(fixtures.virtualService("v1alpha3"));
        assertEquals(List.of(PIN_BASELINE, PIN_CANARY, HEADER_ROUTE), names.subList(names.indexOf(PIN_BASELINE), names.indexOf(PIN_BASELINE) + 3));
        // the header step ends, the pins stay right above the weighted route
        step(original, pinned(30), withPins(withWeights(original, 70, 30)));
    }

    @ParameterizedTest
    @ValueSource(strings = {WEIGHT_100, FOCUSED})
    void rollbackFromAnyPinnedStateRestoresTheTutorialsObject(String fixture) throws Exception {
        fixtures.createIstio(fixture);
        Map<String, Object> original = fixtures.virtualService("v1alpha3");
        List<TrafficSplit> states = List.of(new TrafficSplit(0, CANARY_GROUP, 0, true), pinned(30), pinned(50),
                new TrafficSplit(0, null, 20, true), new TrafficSplit(50, new HeaderMatch("x-cohort", MatchType.PREFIX, "beta"), 10, true));
        for (TrafficSplit state : states) {
            apply(router, policy, state, read(router, policy).resourceVersion());
            assertEquals(state, read(router, policy).split());
            step(original, TrafficSplit.BASELINE_ONLY, original);
        }
    }

    @Test
    void aPinnedRouteCarriesTheManagedRoutesConditionsAndBehaviour() throws Exception {
        // the managed route of a real platform's object: two uri matches, a timeout, retries and its own headers
        Map<String, Object> vs = fixtures.asMap(fixtures.createIstio(WEIGHT_100));
        Map<String, Object> route = managedRoute(vs, BASELINE, CANARY);
        route.put("match", List.of(Map.of("uri", Map.of("prefix", "/v1/models/resnet")), Map.of("uri", Map.of("prefix", "/v1/models/image"))));
        route.put("timeout", "3s");
        route.put("headers", Map.of("response", Map.of("set", Map.of("x-served-by", "mesh"))));
        fixtures.replaceVirtualService("v1alpha3", vs);
        apply(router, policy, pinned(30), read(router, policy).resourceVersion());
        Map<String, Object> after = fixtures.virtualService("v1alpha3");
        Map<String, Object> pin = Json.map(http(after).get(routeNames(after).indexOf(PIN_CANARY)));
        List<Object> match = Json.list(pin, "match");
        assertEquals(2, match.size(), "each of the route's conditions, narrowed by the pin header: " + pin);
        for (Object c : match) assertEquals(Map.of("exact", "canary"), Json.map(Json.map(Json.map(c), "headers"), "x-aviary-arm"));
        assertEquals("3s", pin.get("timeout"));
        assertEquals(Map.of("x-served-by", "mesh", "x-aviary-arm", "canary"), Json.map(Json.map(Json.map(pin, "headers"), "response"), "set"));
        assertEquals(List.of(), SCHEMA.violations(after));
        assertEquals(List.of(), CRD.violations(after));
    }

    static List<Consumer<Map<String, Object>>> handEdits() {
        return List.of(
                vs -> http(vs).remove(routeNames(vs).indexOf(PIN_CANARY)),
                vs -> Json.map(Json.map(Json.list(Json.map(http(vs).get(routeNames(vs).indexOf(PIN_BASELINE))), "route").get(0)), "destination")
                        .put("subset", CANARY),
                vs -> {
                    Object pin = http(vs).remove(routeNames(vs).indexOf(PIN_BASELINE));
                    http(vs).add(pin); // below the managed route: never reached
                });
    }

    @Test
    void aPinAPersonDeletesRepointsOrMovesReadsAsNoPinsSoTheRolloutPauses() throws Exception {
        for (Consumer<Map<String, Object>> edit : handEdits()) {
            fixtures.clear();
            setUp();
            fixtures.createIstio(WEIGHT_100);
            apply(router, policy, pinned(30), read(router, policy).resourceVersion());
            assertEquals(pinned(30), read(router, policy).split());
            Map<String, Object> vs = fixtures.virtualService("v1alpha3");
            edit.accept(vs);
            fixtures.replaceVirtualService("v1alpha3", vs);
            TrafficSplit live = read(router, policy).split();
            assertEquals(new TrafficSplit(30, null, 0), live, "the Decider compares this with the pinned split it applied");
            assertNotEquals(pinned(30), live);
            // a resume re-applies the step: the pins come back as Aviary writes them, once
            String rv = apply(router, policy, pinned(30), read(router, policy).resourceVersion());
            assertEquals(pinned(30), read(router, policy).split());
            assertEquals(rv, apply(router, policy, pinned(30), rv), "and then stay");
            assertEquals(List.of(), CRD.violations(fixtures.virtualService("v1alpha3")));
        }
    }

    // ---- endpoints ----------------------------------------------------------------------------------------------

    @Test
    void theTutorialsGatewayOnlyVirtualServiceIsRefusedWithWhatToWrite() throws Exception {
        fixtures.createIstio(WEIGHT_100);
        apply(router, policy, pinned(30), read(router, policy).resourceVersion());
        TargetException e = assertThrows(TargetException.class, () -> endpoints());
        assertInstanceOf(TargetException.Invalid.class, e);
        assertEquals("VirtualService default/image-classifier is bound to gateway(s) [image-classifier-gateway] only, so"
                + " Aviary's requests from inside the mesh do not take its routes and none can pin them to an arm; add \"mesh\""
                + " to its spec.gateways (with the service's name, e.g. image-classifier, in spec.hosts: Istio refuses \"*\""
                + " for the mesh), or name the arms' URLs in the check's source.replay.endpoints", e.getMessage());
    }

    @Test
    void aMeshBoundVirtualServiceGivesEachArmThroughItsPin() throws Exception {
        Map<String, Object> original = meshBound();
        assertEquals(List.of(), CRD.violations(original), "the tutorial's object bound to the mesh is valid");
        TargetException before = assertThrows(TargetException.class, () -> endpoints());
        assertFalse(before instanceof TargetException.Invalid, "not yet, rather than never: " + before.getMessage());
        assertTrue(before.getMessage().contains("are not in VirtualService default/image-classifier yet"), before.getMessage());

        apply(router, policy, pinned(30), read(router, policy).resourceVersion());
        ArmEndpoints e = endpoints();
        URI service = URI.create("http://image-classifier.default.svc.cluster.local:8501");
        assertEquals(new ArmEndpoints.Endpoint(service, Map.of("x-aviary-arm", "baseline"), Map.of("x-aviary-arm", "baseline")), e.baseline());
        assertEquals(new ArmEndpoints.Endpoint(service, Map.of("x-aviary-arm", "canary"), Map.of("x-aviary-arm", "canary")), e.canary());
        assertTrue(e.how().contains("routes aviary-pin-baseline and aviary-pin-canary of VirtualService default/image-classifier"), e.how());

        apply(router, policy, TrafficSplit.BASELINE_ONLY, read(router, policy).resourceVersion());
        assertThrows(TargetException.class, () -> endpoints(), "the rollout ended: the pins are gone");
    }

    @Test
    void aMeshBoundVirtualServiceWhoseHostsOmitTheServiceOrWhoseRouteHasNoPortIsRefused() throws Exception {
        Map<String, Object> vs = meshBound();
        Json.map(vs, "spec").put("hosts", List.of("classify.vision.example.com"));
        fixtures.replaceVirtualService("v1alpha3", vs);
        TargetException.Invalid e = assertThrows(TargetException.Invalid.class, () -> endpoints());
        assertTrue(e.getMessage().contains("add image-classifier to spec.hosts"), e.getMessage());

        vs = fixtures.virtualService("v1alpha3");
        Json.map(vs, "spec").put("hosts", List.of("image-classifier.default.svc.cluster.local"));
        for (Object d : Json.list(managedRoute(vs, BASELINE, CANARY), "route")) Json.map(Json.map(d), "destination").remove("port");
        fixtures.replaceVirtualService("v1alpha3", vs);
        e = assertThrows(TargetException.Invalid.class, () -> endpoints());
        assertTrue(e.getMessage().contains("without a port") && e.getMessage().contains("port: {number: N}"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private ArmEndpoints endpoints() throws TargetException {
        return router.endpoints((IstioTarget) policy.target(), NS, null);
    }

    /** The tutorial's object, bound to the mesh as well: Istio takes no "*" host there, so the service's name. */
    private Map<String, Object> meshBound() {
        Map<String, Object> vs = fixtures.asMap(fixtures.createIstio(WEIGHT_100));
        Json.map(vs, "spec").put("gateways", new ArrayList<>(List.of("image-classifier-gateway", "mesh")));
        Json.map(vs, "spec").put("hosts", new ArrayList<>(List.of("image-classifier")));
        return fixtures.replaceVirtualService("v1alpha3", vs);
    }

    private static TrafficSplit pinned(int canary) {
        return new TrafficSplit(canary, null, 0, true);
    }

    private void step(Map<String, Object> original, TrafficSplit split, Map<String, Object> expected) throws TargetException {
        steps.step(policy, original, split, expected, "v1alpha3");
    }

    // ---- the expected objects, spelled out -----------------------------------------------------------------------

    private static Map<String, Object> withHeaderRoute(Map<String, Object> vs) {
        Map<String, Object> copy = Json.deepCopyMap(vs);
        int index = managedIndex(copy, BASELINE, CANARY);
        http(copy).add(index, pin(copy, HEADER_ROUTE, "user-group", "canary", CANARY, false));
        return copy;
    }

    /** The two pins, right above the header route when there is one, else right above the managed route. */
    private static Map<String, Object> withPins(Map<String, Object> vs) {
        Map<String, Object> copy = Json.deepCopyMap(vs);
        int top = routeNames(copy).contains(HEADER_ROUTE) ? routeNames(copy).indexOf(HEADER_ROUTE) : managedIndex(copy, BASELINE, CANARY);
        http(copy).add(top, pin(copy, PIN_CANARY, "x-aviary-arm", "canary", CANARY, true));
        http(copy).add(top, pin(copy, PIN_BASELINE, "x-aviary-arm", "baseline", BASELINE, true));
        return copy;
    }

    /** A route matching one exact header, to one subset of the managed route, optionally marking its answers. */
    private static Map<String, Object> pin(Map<String, Object> vs, String name, String header, String value, String subset, boolean marks) {
        Map<String, Object> destination = Json.map(destinationEntry(managedRoute(vs, BASELINE, CANARY), subset), "destination");
        Map<String, Object> route = new LinkedHashMap<>();
        route.put("name", name);
        route.put("match", List.of(Map.of("headers", Map.of(header, Map.of("exact", value)))));
        if (marks) route.put("headers", Map.of("response", Map.of("set", Map.of(header, value))));
        route.put("route", List.of(Map.of("destination", Json.deepCopy(destination))));
        return route;
    }
}
