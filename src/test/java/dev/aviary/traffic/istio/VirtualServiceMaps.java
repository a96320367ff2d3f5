package dev.aviary.traffic.istio;

import dev.aviary.traffic.Json;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Views of a VirtualService read back as a map, for comparing what changed. */
final class VirtualServiceMaps {

    /** What Aviary may change on the managed route, besides the two arms' weights. */
    private static final Set<String> MANAGED_ROUTE_FIELDS = Set.of("mirror", "mirrorPercentage", "mirrorPercent", "mirror_percent");

    private VirtualServiceMaps() {}

    /** The object without what the server changes on every write. */
    static Map<String, Object> withoutServerFields(Map<String, Object> vs) {
        Map<String, Object> copy = Json.deepCopyMap(vs);
        Map<String, Object> metadata = Json.map(copy, "metadata");
        metadata.remove("resourceVersion");
        metadata.remove("generation");
        metadata.remove("managedFields");
        return copy;
    }

    /**
     * The object without the server fields and without every path Aviary manages: the header route and the arm pins
     * (by name), and on the managed route (the one route holding both subsets) the mirror and the two arms' weights.
     */
    static Map<String, Object> unmanaged(Map<String, Object> vs, String headerRoute, String baseline, String canary) {
        Map<String, Object> copy = withoutServerFields(vs);
        List<Object> http = http(copy);
        http.removeIf(r -> {
            String name = Json.string(Json.map(r), "name");
            return headerRoute.equals(name) || name != null && name.matches("(.*-)?aviary-pin-(baseline|canary)");
        });
        Map<String, Object> managed = managedRoute(copy, baseline, canary);
        MANAGED_ROUTE_FIELDS.forEach(managed::remove);
        for (Object d : Json.list(managed, "route")) {
            String subset = Json.string(Json.map(Json.map(d), "destination"), "subset");
            if (baseline.equals(subset) || canary.equals(subset)) Json.map(d).remove("weight");
        }
        return copy;
    }

    static List<Object> http(Map<String, Object> vs) {
        return Json.list(Json.map(vs, "spec"), "http");
    }

    static List<String> routeNames(Map<String, Object> vs) {
        return http(vs).stream().map(r -> Json.string(Json.map(r), "name")).toList();
    }

    /** The single http route whose destinations hold both subsets. */
    static Map<String, Object> managedRoute(Map<String, Object> vs, String baseline, String canary) {
        List<Map<String, Object>> found = http(vs).stream().map(Json::map)
                .filter(r -> subsets(r).containsAll(List.of(baseline, canary))).toList();
        if (found.size() != 1) throw new AssertionError(found.size() + " routes hold " + baseline + " and " + canary + ": " + vs);
        return found.get(0);
    }

    static int managedIndex(Map<String, Object> vs, String baseline, String canary) {
        return http(vs).indexOf(managedRoute(vs, baseline, canary));
    }

    /** The destination entry (destination, weight, headers) of a subset on a route. */
    static Map<String, Object> destinationEntry(Map<String, Object> route, String subset) {
        return Json.list(route, "route").stream().map(Json::map)
                .filter(d -> subset.equals(Json.string(Json.map(d, "destination"), "subset"))).findFirst()
                .orElseThrow(() -> new AssertionError("no destination " + subset + " in " + route));
    }

    private static List<String> subsets(Map<String, Object> route) {
        List<Object> dests = Json.list(route, "route");
        if (dests == null) return List.of();
        return dests.stream().map(d -> Json.string(Json.map(Json.map(d), "destination"), "subset")).toList();
    }
}
