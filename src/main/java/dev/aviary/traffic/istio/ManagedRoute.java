package dev.aviary.traffic.istio;

import dev.aviary.traffic.Json;
import dev.aviary.policy.IstioTarget;
import dev.aviary.traffic.TargetException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The http route Aviary manages in a VirtualService, and where the two arms sit in its {@code route[]}.
 *
 * @param vsKey         namespace/name of the VirtualService, for messages
 * @param index         position in {@code spec.http}
 * @param route         the route itself (a view into the object it was resolved from)
 * @param name          the route's name, null when unnamed
 * @param baseline      position of the baseline destination in {@code route[]}
 * @param canary        position of the canary destination in {@code route[]}
 */
record ManagedRoute(String vsKey, int index, Map<String, Object> route, String name, int baseline, int canary) {

    /** Suffix of the header route Aviary inserts; the name is how it is recognised again. */
    static final String HEADER_ROUTE_SUFFIX = "aviary-canary";

    /** "primary" → "primary-aviary-canary"; an unnamed managed route → "aviary-canary". */
    String headerRouteName() {
        return name == null || name.isEmpty() ? HEADER_ROUTE_SUFFIX : name + "-" + HEADER_ROUTE_SUFFIX;
    }

    /** "primary" → "primary-aviary-pin-canary"; an unnamed managed route → "aviary-pin-canary". */
    String pinRouteName(String arm) {
        String own = ArmPins.ROUTE_SUFFIX + arm;
        return name == null || name.isEmpty() ? own : name + "-" + own;
    }

    String describe() {
        return label(index, name);
    }

    /** "http route #0 (unnamed) of VirtualService default/image-classifier", to start a message with. */
    String where() {
        return describe() + " of VirtualService " + vsKey;
    }

    List<Object> destinations() {
        return Json.list(route, "route");
    }

    Map<String, Object> destinationEntry(int i) {
        return Json.map(destinations().get(i));
    }

    Map<String, Object> destination(int i) {
        return Json.map(destinationEntry(i), "destination");
    }

    String host(int i) {
        return Json.string(destination(i), "host");
    }

    /**
     * A destination's weight; a missing weight means all traffic when it is the only destination, else none
     * (proto3's default, as Istio reads it).
     */
    int weight(int i) throws TargetException.Invalid {
        List<Object> dests = destinations();
        Map<String, Object> entry = Json.map(dests.get(i));
        Object w = entry == null ? null : entry.get("weight");
        if (w == null) return dests.size() == 1 ? 100 : 0;
        if (w instanceof Number n) {
            double d = n.doubleValue();
            if (d >= 0 && d <= Integer.MAX_VALUE && d == Math.rint(d)) return n.intValue();
        }
        throw new TargetException.Invalid(where() + " gives " + describe(dests.get(i)) + " the weight '" + Json.oneLine(w)
                + "'; Istio takes a whole number from 0 up, write for example weight: 0");
    }

    /**
     * Find the managed route: the one named by the target, else the single route whose destinations hold both
     * subsets.
     */
    static ManagedRoute resolve(String vsKey, String namespace, List<Object> http, IstioTarget t)
            throws TargetException.Invalid {
        if (t.baseline() == null || t.canary() == null || blank(t.baseline().subset()) || blank(t.canary().subset())) {
            throw new TargetException.Invalid("the policy for VirtualService " + vsKey + " must name both arms:"
                    + " target.istio.baseline.subset and target.istio.canary.subset");
        }
        if (t.baseline().subset().equals(t.canary().subset()) && sameHost(t, namespace)) {
            throw new TargetException.Invalid("the policy for VirtualService " + vsKey + " names subset '"
                    + t.baseline().subset() + "' for both baseline and canary; the canary must be another subset");
        }
        if (http == null || http.isEmpty()) {
            throw new TargetException.Invalid("VirtualService " + vsKey + " has no http routes; Aviary manages the"
                    + " weights of an http route holding the " + t.baseline().subset() + " and "
                    + t.canary().subset() + " subsets");
        }
        int index;
        if (t.route() != null) {
            List<Integer> named = new ArrayList<>();
            for (int i = 0; i < http.size(); i++) {
                if (t.route().equals(Json.string(Json.map(http.get(i)), "name"))) named.add(i);
            }
            if (named.isEmpty()) {
                throw new TargetException.Invalid("VirtualService " + vsKey + " has no http route named '"
                        + t.route() + "'; routes present: " + routeNames(http));
            }
            if (named.size() > 1) {
                throw new TargetException.Invalid("VirtualService " + vsKey + " has " + named.size()
                        + " http routes named '" + t.route() + "'; route names must be unique");
            }
            index = named.get(0);
        } else {
            List<Integer> candidates = new ArrayList<>();
            for (int i = 0; i < http.size(); i++) {
                List<Object> dests = Json.list(Json.map(http.get(i)), "route");
                if (find(dests, namespace, t.baseline()).size() == 1 && find(dests, namespace, t.canary()).size() == 1) {
                    candidates.add(i);
                }
            }
            if (candidates.isEmpty()) {
                throw new TargetException.Invalid("VirtualService " + vsKey + " has no http route sending to both"
                        + " subsets " + t.baseline().subset() + " and " + t.canary().subset() + " (routes: "
                        + routeNames(http) + "); add the canary as a destination with weight 0 next to the"
                        + " baseline, or name the route in target.istio.route");
            }
            if (candidates.size() > 1) {
                List<String> names = new ArrayList<>();
                for (int i : candidates) names.add(routeName(http, i));
                throw new TargetException.Invalid("VirtualService " + vsKey + " has " + candidates.size()
                        + " http routes sending to both subsets " + t.baseline().subset() + " and "
                        + t.canary().subset() + ": " + names + "; name the one to manage in target.istio.route");
            }
            index = candidates.get(0);
        }
        Map<String, Object> route = Json.map(http.get(index));
        if (route == null) {
            throw new TargetException.Invalid("http route #" + index + " of VirtualService " + vsKey
                    + " is not an object; each entry of spec.http must be a route with match/route fields");
        }
        String name = Json.string(route, "name");
        String label = label(index, name);
        if (route.get("route") != null && Json.list(route, "route") == null) {
            throw new TargetException.Invalid(label + " of VirtualService " + vsKey + " has a 'route' that is not a"
                    + " list; write it as a list of destinations: route: [{destination: {host: ..., subset: ...}}]");
        }
        List<Object> dests = Json.list(route, "route");
        int baseline = arm(vsKey, namespace, label, dests, t.baseline(), t.baseline());
        int canary = arm(vsKey, namespace, label, dests, t.canary(), t.baseline());
        if (baseline == canary) {
            throw new TargetException.Invalid(label + " of VirtualService " + vsKey + " has one destination for both"
                    + " arms (" + describe(dests.get(baseline)) + "); the canary must be a destination of its own");
        }
        for (int arm : new int[] {baseline, canary}) {
            if (blank(Json.string(Json.map(Json.map(dests.get(arm)), "destination"), "host"))) {
                throw new TargetException.Invalid(label + " of VirtualService " + vsKey + " has a destination with"
                        + " subset '" + Json.string(Json.map(Json.map(dests.get(arm)), "destination"), "subset")
                        + "' but no host; Istio requires destination.host, for example host: image-classifier");
            }
        }
        return new ManagedRoute(vsKey, index, route, name, baseline, canary);
    }

    private static String label(int index, String name) {
        return name == null ? "http route #" + index + " (unnamed)" : "http route '" + Json.oneLine(name) + "'";
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** Whether the two arms name the same host, or none (then both are the route's one host). */
    private static boolean sameHost(IstioTarget t, String namespace) {
        String a = t.baseline().host();
        String b = t.canary().host();
        return a == null && b == null || Hosts.same(a, namespace, b, namespace);
    }

    private static int arm(String vsKey, String namespace, String label, List<Object> dests, IstioTarget.Arm arm,
            IstioTarget.Arm baseline) throws TargetException.Invalid {
        List<Integer> found = find(dests, namespace, arm);
        if (found.size() == 1) return found.get(0);
        if (found.isEmpty()) {
            String host = arm.host() != null ? arm.host() : hostOf(dests, namespace, baseline);
            throw new TargetException.Invalid(label + " of VirtualService " + vsKey + " has no destination with"
                    + " subset '" + arm.subset() + "'" + (arm.host() != null ? " and host " + arm.host() : "")
                    + " (destinations: " + describe(dests) + "); add one with weight 0:"
                    + " {destination: {host: " + (host == null ? "<host>" : host) + ", subset: " + arm.subset()
                    + "}, weight: 0}");
        }
        throw new TargetException.Invalid(label + " of VirtualService " + vsKey + " has " + found.size()
                + " destinations with subset '" + arm.subset() + "' (" + describe(dests)
                + "); set the arm's host in the policy to tell them apart");
    }

    /** Positions of the destinations that are this arm: same subset, and same host when the policy names one. */
    static List<Integer> find(List<Object> dests, String namespace, IstioTarget.Arm arm) {
        List<Integer> found = new ArrayList<>();
        if (dests == null) return found;
        for (int i = 0; i < dests.size(); i++) {
            Map<String, Object> d = Json.map(Json.map(dests.get(i)), "destination");
            if (d == null || !arm.subset().equals(Json.string(d, "subset"))) continue;
            if (arm.host() != null && !Hosts.same(arm.host(), namespace, Json.string(d, "host"), namespace)) continue;
            found.add(i);
        }
        return found;
    }

    private static String hostOf(List<Object> dests, String namespace, IstioTarget.Arm arm) {
        List<Integer> found = find(dests, namespace, arm);
        if (found.isEmpty()) {
            return dests == null || dests.isEmpty() ? null
                    : Json.string(Json.map(Json.map(dests.get(0)), "destination"), "host");
        }
        return Json.string(Json.map(Json.map(dests.get(found.get(0))), "destination"), "host");
    }

    private static String describe(List<Object> dests) {
        if (dests == null || dests.isEmpty()) return "none";
        List<String> s = new ArrayList<>();
        for (Object o : dests) s.add(describe(o));
        return String.join(", ", s);
    }

    /** "image-classifier/resnet101" for one entry of a route's destinations. */
    static String describe(Object entry) {
        Map<String, Object> d = Json.map(Json.map(entry), "destination");
        String subset = Json.string(d, "subset");
        return Json.oneLine(Json.string(d, "host") + (subset == null ? "" : "/" + subset));
    }

    static List<String> routeNames(List<Object> http) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < http.size(); i++) names.add(routeName(http, i));
        return names;
    }

    private static String routeName(List<Object> http, int i) {
        String n = Json.string(Json.map(http.get(i)), "name");
        return n == null ? "#" + i + " (unnamed)" : Json.oneLine(n);
    }
}
