package dev.aviary.traffic.istio;

import dev.aviary.policy.IstioTarget;
import dev.aviary.traffic.ArmEndpoints;
import dev.aviary.traffic.Json;
import dev.aviary.traffic.JsonPatch;
import dev.aviary.traffic.TargetException;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The route pair that pins a request to one arm: above the managed route (and above the header step's route, so a
 * pin wins over a cohort header), one route per arm narrowed by the Aviary-only header {@code x-aviary-arm:
 * baseline|canary} to that arm's destination alone. A shadow check that names no endpoints sends its replays through
 * them; live traffic never carries the header, so it never takes them. Each also sets the header on its answers, so
 * the replay can tell an answer that took the pin from one that did not. Pure: works on the JSON maps.
 *
 * <p>Istio applies a VirtualService to a request from inside the mesh only when the request leaves a pod with a
 * sidecar and the VirtualService is bound to the mesh (no {@code gateways}, or {@code mesh} among them) and names
 * the request's host; a gateway-only VirtualService (the tutorial's) routes only at its gateway, so
 * {@link #endpoints} refuses it with what to write.
 */
final class ArmPins {

    /** The header that pins a request; no client of the model sends it. */
    static final String HEADER = "x-aviary-arm";
    static final String BASELINE = "baseline";
    static final String CANARY = "canary";
    /** The pins' names end in "aviary-pin-baseline" / "aviary-pin-canary"; the name is how they are found again. */
    static final String ROUTE_SUFFIX = "aviary-pin-";
    /** Istio's name for the sidecars as a gateway (networking.istio.io VirtualService.gateways). */
    private static final String MESH = "mesh";

    private ArmPins() {}

    /**
     * Insert, re-build or remove the pins ({@code wanted} false: none). Run after the header route's edit: the pins
     * go right above the block the header route and the managed route form.
     */
    static void edit(List<Object> http, boolean wanted, ManagedRoute m, JsonPatch patch) throws TargetException.Invalid {
        String[] names = {m.pinRouteName(BASELINE), m.pinRouteName(CANARY)};
        int managed = indexOf(http, m.route());
        int header = HeaderRoute.indexOf(http, m.headerRouteName());
        int top = header >= 0 && header == managed - 1 ? header : managed;
        if (wanted) {
            List<Map<String, Object>> pins = List.of(build(m, BASELINE, m.baseline()), build(m, CANARY, m.canary()));
            int b = HeaderRoute.indexOf(http, names[0]);
            int c = HeaderRoute.indexOf(http, names[1]);
            if (b >= 0 && b == top - 2 && c == top - 1
                    && JsonPatch.jsonEquals(http.get(b), pins.get(0)) && JsonPatch.jsonEquals(http.get(c), pins.get(1))) {
                return;
            }
            top -= removeAll(http, names, top, patch);
            patch.insert(http, "/spec/http", top, pins.get(0));
            patch.insert(http, "/spec/http", top + 1, pins.get(1));
        } else {
            removeAll(http, names, top, patch);
        }
    }

    /**
     * Whether both pins stand above the managed route and still pin: every condition carries the header with the
     * arm's value, and the one destination is the arm's. A pin a person moved below, re-pointed or deleted reads as
     * no pins, so the rollout sees the routing changed and pauses, as for the other managed routes.
     */
    static boolean live(List<Object> http, ManagedRoute m) {
        int managed = indexOf(http, m.route());
        return pins(http, managed, m.pinRouteName(BASELINE), BASELINE, m.destination(m.baseline()))
                && pins(http, managed, m.pinRouteName(CANARY), CANARY, m.destination(m.canary()));
    }

    /**
     * Each arm's address through its pin: the VirtualService's host (the service the managed route sends to, as an
     * FQDN) on the destination's port, with the pin header.
     *
     * @throws TargetException.Invalid when in-mesh requests cannot take the pins; the message says what to write
     * @throws TargetException         when the pins are not in place (yet): the rollout adds them with its next move
     */
    static ArmEndpoints endpoints(String vsKey, String ns, Map<String, Object> virtualService, IstioTarget t)
            throws TargetException {
        List<Object> http = VirtualServiceEdit.http(virtualService);
        ManagedRoute m = ManagedRoute.resolve(vsKey, ns, http, t);
        Map<String, Object> spec = Json.map(virtualService, "spec");
        String orNameThem = ", or name the arms' URLs in the check's source.replay.endpoints";
        List<Object> gateways = Json.list(spec, "gateways");
        if (gateways != null && !gateways.isEmpty() && !gateways.contains(MESH)) {
            throw new TargetException.Invalid("VirtualService " + vsKey + " is bound to gateway(s) " + Json.oneLine(gateways)
                    + " only, so Aviary's requests from inside the mesh do not take its routes and none can pin them to an"
                    + " arm; add \"mesh\" to its spec.gateways (with the service's name, e.g. " + shortName(m.host(m.baseline()))
                    + ", in spec.hosts: Istio refuses \"*\" for the mesh)" + orNameThem);
        }
        Integer port = null;
        String host = null;
        List<Object> hosts = Json.list(spec, "hosts");
        for (int arm : new int[] {m.baseline(), m.canary()}) {
            String destination = m.host(arm);
            if (host == null && hosts != null && hosts.stream().anyMatch(h -> h instanceof String s && Hosts.same(s, ns, destination, ns))) {
                host = Hosts.fqdn(destination, ns);
                Number number = Json.number(Json.map(m.destination(arm), "port"), "number");
                port = number == null ? null : number.intValue();
            }
        }
        if (host == null) {
            throw new TargetException.Invalid("VirtualService " + vsKey + " names the hosts " + Json.oneLine(hosts)
                    + ", none of them the service " + m.where() + " sends to (" + m.host(m.baseline()) + "), so Aviary"
                    + " has no address whose requests take its routes; add " + shortName(m.host(m.baseline()))
                    + " to spec.hosts" + orNameThem);
        }
        if (port == null) {
            throw new TargetException.Invalid(m.where() + " sends to " + host + " without a port, so Aviary cannot"
                    + " tell which of the service's ports reaches the route; give the destinations port: {number: N}" + orNameThem);
        }
        if (!live(http, m)) {
            throw new TargetException("the routes that pin a request to each arm (" + m.pinRouteName(BASELINE) + ", "
                    + m.pinRouteName(CANARY) + ") are not in VirtualService " + vsKey
                    + " yet; the rollout adds them with its next move");
        }
        URI url = URI.create("http://" + host + ":" + port);
        return new ArmEndpoints(endpoint(url, BASELINE), endpoint(url, CANARY), "routes " + m.pinRouteName(BASELINE)
                + " and " + m.pinRouteName(CANARY) + " of VirtualService " + vsKey + " pin each request by its "
                + HEADER + " header, sent through Aviary's sidecar to " + url);
    }

    private static ArmEndpoints.Endpoint endpoint(URI url, String arm) {
        return new ArmEndpoints.Endpoint(url, Map.of(HEADER, arm), Map.of(HEADER, arm));
    }

    /** The pin of one arm: the managed route narrowed by the header to the arm's destination, marking its answers. */
    private static Map<String, Object> build(ManagedRoute m, String arm, int destination) throws TargetException.Invalid {
        Map<String, Object> exact = new LinkedHashMap<>();
        exact.put("exact", arm);
        Map<String, Object> route = HeaderRoute.narrowed(m, m.pinRouteName(arm), HEADER, exact, destination);
        // the managed route's own header edits (copied) are kept; the marker joins its response headers
        Map<String, Object> headers = child(m, route, "headers");
        Map<String, Object> response = child(m, headers, "response");
        Map<String, Object> set = child(m, response, "set");
        set.put(HEADER, arm);
        return route;
    }

    private static Map<String, Object> child(ManagedRoute m, Map<String, Object> parent, String key) throws TargetException.Invalid {
        Object o = parent.get(key);
        if (o == null) {
            Map<String, Object> made = new LinkedHashMap<>();
            parent.put(key, made);
            return made;
        }
        Map<String, Object> existing = Json.map(o);
        if (existing == null) {
            throw new TargetException.Invalid(m.where() + " has a '" + key + "' that is not an object: " + Json.oneLine(o)
                    + "; fix the route's headers");
        }
        return existing;
    }

    private static boolean pins(List<Object> http, int managed, String name, String arm, Map<String, Object> destination) {
        int index = HeaderRoute.indexOf(http, name);
        if (index < 0 || index > managed) return false;
        Map<String, Object> route = Json.map(http.get(index));
        List<Object> match = Json.list(route, "match");
        List<Object> dests = Json.list(route, "route");
        if (match == null || match.isEmpty() || dests == null || dests.size() != 1) return false;
        for (Object condition : match) {
            Map<String, Object> sm = Json.map(Json.map(Json.map(condition), "headers"), HEADER);
            if (sm == null || sm.size() != 1 || !arm.equals(Json.string(sm, "exact"))) return false;
        }
        return JsonPatch.jsonEquals(Json.map(Json.map(dests.get(0)), "destination"), destination);
    }

    /** Remove the pins that exist, last first; returns how many stood above {@code top}. */
    private static int removeAll(List<Object> http, String[] names, int top, JsonPatch patch) {
        List<Integer> found = new ArrayList<>();
        for (String name : names) {
            int i = HeaderRoute.indexOf(http, name);
            if (i >= 0) found.add(i);
        }
        found.sort((a, b) -> b - a);
        int above = 0;
        for (int i : found) {
            patch.removeAt(http, "/spec/http", i);
            if (i < top) above++;
        }
        return above;
    }

    /** Position of the managed route itself (it moves as routes are inserted above it). */
    private static int indexOf(List<Object> http, Map<String, Object> route) {
        for (int i = 0; i < http.size(); i++) if (http.get(i) == route) return i;
        throw new IllegalStateException("the managed route is no longer in the route list being edited");
    }

    private static String shortName(String host) {
        return host == null ? "<service>" : host.contains(".") ? host.substring(0, host.indexOf('.')) : host;
    }
}
