package dev.aviary.traffic.istio;

import dev.aviary.traffic.JsonPatch;
import dev.aviary.traffic.Json;
import dev.aviary.policy.IstioTarget;
import dev.aviary.traffic.TargetException;
import dev.aviary.traffic.TrafficSplit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The managed split as it stands in a VirtualService's JSON, both ways: read it, and compute the JSON patch that
 * takes the object to a desired split (the weights of the two arms, a mirror to the canary, the header route, the
 * arm pins).
 * Pure: no server is involved, {@link IstioRouter} fetches the object and sends the patch.
 */
final class VirtualServiceEdit {

    /** The integer mirror percentages older Istio took before mirrorPercentage. */
    private static final List<String> DEPRECATED_MIRROR_PERCENT = List.of("mirrorPercent", "mirror_percent");

    private VirtualServiceEdit() {}

    /** The managed split of {@code virtualService}. */
    static TrafficSplit read(String vsKey, String ns, Map<String, Object> virtualService, IstioTarget t)
            throws TargetException.Invalid {
        List<Object> http = http(virtualService);
        ManagedRoute m = ManagedRoute.resolve(vsKey, ns, http, t);
        return new TrafficSplit(canaryShare(m), HeaderRoute.live(http, m), liveMirrorPercent(m, ns, t.canary().subset()),
                ArmPins.live(http, m));
    }

    /** The http routes of a VirtualService; empty when it has none. */
    static List<Object> http(Map<String, Object> virtualService) {
        List<Object> http = Json.list(Json.map(virtualService, "spec"), "http");
        return http == null ? List.of() : http;
    }

    /**
     * The JSON patch that takes {@code virtualService} to {@code desired}; empty when it is there already. Works on a
     * copy: the object given is left as it was.
     *
     * @param vsKey namespace/name, for messages
     */
    static JsonPatch patch(String vsKey, String ns, Map<String, Object> virtualService, IstioTarget t, TrafficSplit desired)
            throws TargetException.Invalid {
        List<Object> http = http(Json.deepCopyMap(virtualService));
        ManagedRoute m = ManagedRoute.resolve(vsKey, ns, http, t);
        JsonPatch patch = new JsonPatch();
        String routePtr = "/spec/http/" + m.index();

        List<Object> dests = m.destinations();
        for (int i = 0; i < dests.size(); i++) {
            if (i == m.baseline() || i == m.canary()) continue;
            int w = m.weight(i);
            if (w != 0) {
                throw new TargetException.Invalid(m.where() + " gives weight " + w + " to "
                        + ManagedRoute.describe(dests.get(i)) + ", which is neither arm;"
                        + " Aviary keeps baseline + canary = 100, so set its weight to 0 or move it to another route");
            }
        }
        // Always both weights, explicitly: they must sum to 100 (Istio ≤1.14 rejects anything else).
        patch.put(m.destinationEntry(m.baseline()), routePtr + "/route/" + m.baseline(), "weight", desired.baselineWeight());
        patch.put(m.destinationEntry(m.canary()), routePtr + "/route/" + m.canary(), "weight", desired.canaryWeight());

        editMirror(ns, t, desired, m, routePtr, patch);
        HeaderRoute.edit(http, desired.headerRoute(), m, patch);
        ArmPins.edit(http, desired.armPins(), m, patch);
        return patch;
    }

    private static void editMirror(String ns, IstioTarget t, TrafficSplit desired, ManagedRoute m, String routePtr,
            JsonPatch patch) throws TargetException.Invalid {
        Map<String, Object> route = m.route();
        Map<String, Object> mirror = Json.map(route, "mirror");
        boolean ours = isCanaryMirror(mirror, ns, m.host(m.canary()), t.canary().subset());
        double percent = desired.mirrorPercent();
        if (Double.isNaN(percent) || percent < 0 || percent > 100) {
            throw new TargetException.Invalid("a mirror step must mirror between 0 and 100 percent, not " + percent);
        }
        if (percent > 0) {
            if (route.get("mirror") != null && !ours) {
                throw new TargetException.Invalid(m.where() + " already mirrors to "
                        + Json.oneLine(Json.string(mirror, "host") + "/" + Json.string(mirror, "subset"))
                        + "; Aviary does not replace a mirror it did not set, remove it to use a mirror step");
            }
            List<Object> mirrors = Json.list(route, "mirrors");
            if (mirror == null && route.get("mirrors") != null && (mirrors == null || !mirrors.isEmpty())) {
                // Istio refuses `mirror` next to `mirrors`
                throw new TargetException.Invalid(m.where() + " mirrors with 'mirrors'; Istio does not accept"
                        + " 'mirror' next to it, so remove 'mirrors' from the route to use a mirror step");
            }
            if (mirror == null) {
                Map<String, Object> canaryDest = m.destination(m.canary());
                Map<String, Object> newMirror = new LinkedHashMap<>();
                newMirror.put("host", Json.string(canaryDest, "host"));
                newMirror.put("subset", t.canary().subset());
                if (canaryDest.get("port") != null) newMirror.put("port", Json.deepCopy(canaryDest.get("port")));
                patch.put(route, routePtr, "mirror", newMirror);
            }
            Map<String, Object> percentage = new LinkedHashMap<>();
            percentage.put("value", percent);
            patch.put(route, routePtr, "mirrorPercentage", percentage);
            // the deprecated integer spellings of the percentage would contradict the one just written
            for (String old : DEPRECATED_MIRROR_PERCENT) patch.remove(route, routePtr, old);
        } else if (ours) {
            patch.remove(route, routePtr, "mirror");
            patch.remove(route, routePtr, "mirrorPercentage");
            for (String old : DEPRECATED_MIRROR_PERCENT) patch.remove(route, routePtr, old);
        }
    }

    /** The canary's share in percent; equal to its weight when the weights sum to 100, as Aviary writes them. */
    private static int canaryShare(ManagedRoute m) throws TargetException.Invalid {
        List<Object> dests = m.destinations();
        long total = 0;
        for (int i = 0; i < dests.size(); i++) total += m.weight(i);
        int canary = m.weight(m.canary());
        if (total == 100 || total == 0) return canary;
        // Newer Istio takes weights as relative; report the share so it stays within 0-100.
        return (int) Math.round(100.0 * canary / total);
    }

    private static double liveMirrorPercent(ManagedRoute m, String ns, String canarySubset) {
        Map<String, Object> route = m.route();
        if (!isCanaryMirror(Json.map(route, "mirror"), ns, m.host(m.canary()), canarySubset)) return 0;
        Number value = Json.number(Json.map(route, "mirrorPercentage"), "value");
        for (String old : DEPRECATED_MIRROR_PERCENT) if (value == null) value = Json.number(route, old);
        return value == null ? 100 : value.doubleValue(); // Istio mirrors everything when no percentage is given
    }

    private static boolean isCanaryMirror(Map<String, Object> mirror, String ns, String canaryHost, String subset) {
        return mirror != null && subset.equals(Json.string(mirror, "subset"))
                && Hosts.same(Json.string(mirror, "host"), ns, canaryHost, ns);
    }
}
