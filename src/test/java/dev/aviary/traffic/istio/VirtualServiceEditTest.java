package dev.aviary.traffic.istio;

import dev.aviary.traffic.JsonPatch;
import dev.aviary.traffic.Json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.policy.IstioTarget;
import dev.aviary.policy.Step.HeaderMatch;
import dev.aviary.policy.Step.HeaderMatch.MatchType;
import dev.aviary.traffic.TargetException;
import dev.aviary.traffic.TrafficSplit;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * The VirtualService edit without a server: the tutorial's own object in, the JSON patch out. What the API server
 * then does with the patch is IstioRouterTest's and TutorialShapesTest's business.
 */
class VirtualServiceEditTest {

    private static final String KEY = "default/image-classifier";
    private static final IstioTarget TUTORIAL = new IstioTarget("image-classifier", null,
            new IstioTarget.Arm("resnet50", null, null), new IstioTarget.Arm("resnet101", null, null));

    @Test
    void movingTheTutorialsRouteTo30PatchesBothWeightsAndNothingElse() throws Exception {
        Map<String, Object> vs = tutorial();
        Map<String, Object> before = Json.deepCopyMap(vs);

        JsonPatch patch = VirtualServiceEdit.patch(KEY, "default", vs, TUTORIAL, new TrafficSplit(30, null, 0));

        assertEquals(List.of(
                op("replace", "/metadata/resourceVersion", "41"),
                op("replace", "/spec/http/0/route/0/weight", 70),
                op("replace", "/spec/http/0/route/1/weight", 30)), patch.guardedBy("41"));
        assertEquals(before, vs, "the object given is left as it was");
    }

    @Test
    void aSplitThatIsAlreadyLiveNeedsNoPatch() throws Exception {
        Map<String, Object> vs = tutorial();
        assertEquals(TrafficSplit.BASELINE_ONLY, VirtualServiceEdit.read(KEY, "default", vs, TUTORIAL));
        assertTrue(VirtualServiceEdit.patch(KEY, "default", vs, TUTORIAL, TrafficSplit.BASELINE_ONLY).isEmpty());
    }

    @Test
    void aHeaderStepInsertsARouteToTheCanaryAboveTheWeightedOne() throws Exception {
        HeaderMatch canaryGroup = new HeaderMatch("user-group", MatchType.EXACT, "canary");
        JsonPatch patch = VirtualServiceEdit.patch(KEY, "default", tutorial(), TUTORIAL, new TrafficSplit(0, canaryGroup, 0));

        List<Map<String, Object>> ops = patch.guardedBy("41");
        assertEquals(2, ops.size(), "the weights are 100/0 already: only the header route is added " + ops);
        assertEquals("add", ops.get(1).get("op"));
        assertEquals("/spec/http/0", ops.get(1).get("path"), "above the weighted route, which is at index 0");
        Map<String, Object> route = Json.map(ops.get(1).get("value"));
        assertEquals("aviary-canary", route.get("name"));
        assertEquals(List.of(Map.of("headers", Map.of("user-group", Map.of("exact", "canary")))), route.get("match"));
        List<Object> destinations = Json.list(route, "route");
        assertEquals(1, destinations.size());
        assertEquals("resnet101", Json.string(Json.map(Json.map(destinations.get(0)), "destination"), "subset"));
    }

    @Test
    void aThirdDestinationWithWeightIsRefusedWithWhatToDo() throws Exception {
        Map<String, Object> vs = tutorial();
        List<Object> dests = Json.list(Json.map(VirtualServiceEdit.http(vs).get(0)), "route");
        dests.add(Map.of("destination", Map.of("host", "image-classifier", "subset", "resnet152"), "weight", 10));
        TargetException.Invalid e = assertThrows(TargetException.Invalid.class,
                () -> VirtualServiceEdit.patch(KEY, "default", vs, TUTORIAL, new TrafficSplit(30, null, 0)));
        assertTrue(e.getMessage().contains("which is neither arm") && e.getMessage().contains("set its weight to 0"), e.getMessage());
    }

    private static Map<String, Object> op(String op, String path, Object value) {
        return Map.of("op", op, "path", path, "value", value);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> tutorial() throws IOException {
        try (InputStream in = VirtualServiceEditTest.class.getResourceAsStream("/istio/tutorial/virtualservice-weight-100.yaml")) {
            Map<String, Object> vs = Json.deepCopyMap(new KubernetesSerialization().unmarshal(in, Map.class));
            Json.map(vs, "metadata").put("resourceVersion", "41");
            return vs;
        }
    }
}
