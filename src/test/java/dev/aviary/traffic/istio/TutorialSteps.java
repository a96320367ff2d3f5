package dev.aviary.traffic.istio;

import static dev.aviary.traffic.istio.IstioFixtures.apply;
import static dev.aviary.traffic.istio.IstioFixtures.read;
import static dev.aviary.traffic.istio.VirtualServiceMaps.destinationEntry;
import static dev.aviary.traffic.istio.VirtualServiceMaps.managedRoute;
import static dev.aviary.traffic.istio.VirtualServiceMaps.withoutServerFields;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.aviary.policy.Policy;
import dev.aviary.policy.Step.HeaderMatch;
import dev.aviary.policy.Step.HeaderMatch.MatchType;
import dev.aviary.traffic.CrdSchema;
import dev.aviary.traffic.Json;
import dev.aviary.traffic.TargetException;
import dev.aviary.traffic.TrafficSplit;
import java.util.List;
import java.util.Map;

/**
 * The TF Serving + Istio tutorial's objects on the mock API server, and one router step on them checked the way every
 * tutorial-shape test checks it.
 */
record TutorialSteps(IstioFixtures fixtures, IstioRouter router) {

    static final IstioSchema SCHEMA = IstioSchema.virtualService();
    /** The same CRD through a JSON-schema validator library: what the hand-written check covers is not all it covers. */
    static final CrdSchema CRD = CrdSchema.load("/istio/crd/virtualservices.networking.istio.io.yaml");
    static final String BASELINE = "resnet50";
    static final String CANARY = "resnet101";
    /** The header route's name when the managed route has none. */
    static final String HEADER_ROUTE = "aviary-canary";
    static final HeaderMatch CANARY_GROUP = new HeaderMatch("user-group", MatchType.EXACT, "canary");
    static final String WEIGHT_100 = "tutorial/virtualservice-weight-100.yaml";
    static final String FOCUSED = "tutorial/virtualservice-focused-routing.yaml";

    /** An emptied namespace holding the tutorial's DestinationRule, Gateway, Services and Deployments. */
    static TutorialSteps load(IstioFixtures fixtures) {
        fixtures.clear();
        fixtures.createIstio("tutorial/destinationrule.yaml");
        fixtures.createIstio("tutorial/gateway.yaml");
        fixtures.createWorkloads("tutorial/workloads.yaml");
        return new TutorialSteps(fixtures, new IstioRouter(fixtures.client()));
    }

    /**
     * Apply a split conditionally on the version read, as the controller does, and check: the object is exactly the
     * expected one; it equals the original minus the managed paths; Istio's schema accepts it; it reads back as the
     * split; applying the same split again writes nothing.
     */
    String step(Policy p, Map<String, Object> original, TrafficSplit split, Map<String, Object> expected, String version)
            throws TargetException {
        String rv = apply(router, p, split, read(router, p).resourceVersion());
        Map<String, Object> after = fixtures.virtualService(version);
        assertEquals(withoutServerFields(expected), withoutServerFields(after), "the object at " + split.describe());
        assertEquals(unmanaged(original), unmanaged(after), "only managed fields changed at " + split.describe());
        assertEquals(List.of(), SCHEMA.violations(after), "Istio's schema accepts the object at " + split.describe());
        assertEquals(List.of(), CRD.violations(after), "Istio's schema accepts the object at " + split.describe());
        assertEquals(split, read(router, p).split());
        assertEquals(rv, apply(router, p, split, rv), "re-applying " + split.describe() + " writes nothing");
        assertEquals(rv, Json.string(Json.map(fixtures.virtualService(version), "metadata"), "resourceVersion"));
        return rv;
    }

    static Map<String, Object> unmanaged(Map<String, Object> vs) {
        return VirtualServiceMaps.unmanaged(vs, HEADER_ROUTE, BASELINE, CANARY);
    }

    static Map<String, Object> withWeights(Map<String, Object> vs, int baseline, int canary) {
        Map<String, Object> copy = Json.deepCopyMap(vs);
        Map<String, Object> route = managedRoute(copy, BASELINE, CANARY);
        destinationEntry(route, BASELINE).put("weight", baseline);
        destinationEntry(route, CANARY).put("weight", canary);
        return copy;
    }
}
