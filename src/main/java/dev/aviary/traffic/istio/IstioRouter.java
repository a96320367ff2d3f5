package dev.aviary.traffic.istio;

import dev.aviary.policy.Step;
import dev.aviary.policy.IstioTarget;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.TargetException;
import dev.aviary.traffic.TrafficRouter;
import dev.aviary.traffic.TrafficSplit;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Moves traffic on an Istio VirtualService by editing one http route's destination weights, an inserted header
 * route and a mirror.
 *
 * <p>Works on raw JSON maps ({@link GenericKubernetesResource}), not the typed fabric8 Istio model. The typed model
 * does round-trip unknown fields through additionalProperties, but it has one resource class per API version (three
 * code paths for one object), models StringMatch as a polymorphic oneOf wrapper, and a typed PUT rewrites the whole
 * object. Raw maps read the same under v1, v1beta1 and v1alpha3, and the write is a JSON Patch of exactly the managed
 * paths, which leaves every other field untouched by construction and needs only the {@code patch} verb.
 */
public final class IstioRouter implements TrafficRouter<IstioTarget> {

    private static final Logger LOG = Logger.getLogger(IstioRouter.class);

    static final String GROUP = "networking.istio.io";
    /** Newest first: Istio ≥1.22 serves v1; older clusters answer 404 and the next version is tried. */
    static final List<String> VERSIONS = List.of("v1", "v1beta1", "v1alpha3");

    /** Fields of the managed route a header route does not copy: its identity, its match, its destinations, mirrors. */
    private static final Set<String> NOT_COPIED_TO_HEADER_ROUTE =
            Set.of("name", "match", "route", "mirror", "mirrorPercentage", "mirrorPercent", "mirror_percent", "mirrors");

    /** The integer mirror percentages older Istio took before mirrorPercentage. */
    private static final List<String> DEPRECATED_MIRROR_PERCENT = List.of("mirrorPercent", "mirror_percent");

    private final KubernetesClient client;
    private final SubsetWorkloads subsets;

    public IstioRouter(KubernetesClient client) {
        this.client = Objects.requireNonNull(client, "client");
        this.subsets = new SubsetWorkloads(client);
    }

    @Override
    public Class<IstioTarget> targetType() {
        return IstioTarget.class;
    }

    @Override
    public ArmLabels armLabels(IstioTarget t, String ns) throws TargetException {
        VirtualService vs = fetch(ns, t.virtualService());
        ManagedRoute m = ManagedRoute.resolve(vs.key(), ns, vs.http(), t);
        String canaryHost = m.host(m.canary());
        // Istio's destination_service_name is the host's short name; it keeps two models' v1/v2 apart
        String service = canaryHost.contains(".") ? canaryHost.substring(0, canaryHost.indexOf('.')) : canaryHost;
        if (t.baseline().version() != null && t.canary().version() != null) {
            return new ArmLabels(t.baseline().version(), t.canary().version(), service);
        }
        return new ArmLabels(
                subsets.armLabel(t.baseline(), ns, m.host(m.baseline())),
                subsets.armLabel(t.canary(), ns, canaryHost), service);
    }

    @Override
    public LiveTraffic read(IstioTarget t, String ns) throws TargetException {
        VirtualService vs = fetch(ns, t.virtualService());
        List<Object> http = vs.http();
        ManagedRoute m = ManagedRoute.resolve(vs.key(), ns, http, t);
        TrafficSplit split = new TrafficSplit(canaryShare(m), liveHeaderRoute(http, m),
                liveMirrorPercent(m, ns, t.canary().subset()));
        String identity = subsets.canaryIdentity(ns, m.host(m.canary()), t.canary().subset());
        return new LiveTraffic(split, vs.resourceVersion(), true, identity);
    }

    @Override
    public String apply(IstioTarget t, String ns, TrafficSplit desired, String resourceVersion) throws TargetException {
        Objects.requireNonNull(resourceVersion, "resourceVersion: a write must be conditional on what was read");
        VirtualService vs = fetch(ns, t.virtualService());
        String current = vs.resourceVersion();
        JsonPatch patch = new JsonPatch();
        try {
            edit(vs, ns, t, desired, patch);
        } catch (TargetException.Invalid e) {
            // the object moved under us: the caller should re-read rather than report a broken target
            if (!resourceVersion.equals(current)) throw conflict(vs.key(), resourceVersion);
            throw e;
        }
        if (patch.isEmpty()) {
            if (resourceVersion.equals(current)) return current;
            throw conflict(vs.key(), resourceVersion);
        }
        // No client-side resourceVersion comparison: the server is the only arbiter that is not racy.
        String body = client.getKubernetesSerialization().asJson(patch.guardedBy(resourceVersion));
        try {
            GenericKubernetesResource updated = client.genericKubernetesResources(vs.context())
                    .inNamespace(ns).withName(t.virtualService())
                    .patch(PatchContext.of(PatchType.JSON), body);
            LOG.debugf("patched VirtualService %s to %s: %s", vs.key(), desired.describe(), body);
            return updated.getMetadata().getResourceVersion();
        } catch (KubernetesClientException e) {
            switch (e.getCode()) {
                case 409 -> throw conflict(vs.key(), resourceVersion);
                case 404 -> throw new TargetException.Invalid("VirtualService " + vs.key() + " not found");
                case 400, 422 -> throw new TargetException.Invalid("the API server rejected the change of VirtualService "
                        + vs.key() + " to " + desired.describe() + ": " + e.getMessage());
                default -> throw new TargetException("patching VirtualService " + vs.key() + " failed: "
                        + e.getMessage(), e);
            }
        }
    }

    // ---- editing -------------------------------------------------------------------------------------------------

    /** Edit the working copy to the desired split, recording every change in {@code patch}. */
    private static void edit(VirtualService vs, String ns, IstioTarget t, TrafficSplit desired, JsonPatch patch)
            throws TargetException.Invalid {
        List<Object> http = vs.http();
        ManagedRoute m = ManagedRoute.resolve(vs.key(), ns, http, t);
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

        editMirror(vs, ns, t, desired, m, routePtr, patch);
        editHeaderRoute(vs, http, desired.headerRoute(), m, patch);
    }

    private static void editMirror(VirtualService vs, String ns, IstioTarget t, TrafficSplit desired,
            ManagedRoute m, String routePtr, JsonPatch patch) throws TargetException.Invalid {
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

    private static void editHeaderRoute(VirtualService vs, List<Object> http, Step.HeaderMatch header, ManagedRoute m,
            JsonPatch patch) throws TargetException.Invalid {
        int existing = indexOfRoute(http, m.headerRouteName());
        if (header == null) {
            if (existing >= 0) patch.removeAt(http, "/spec/http", existing);
            return;
        }
        Map<String, Object> wanted = headerRoute(m, header);
        int managed = m.index();
        // in place means right above the managed route; a managed route at index 0 has nothing above it
        if (existing >= 0 && existing == managed - 1 && JsonPatch.jsonEquals(http.get(existing), wanted)) return;
        if (existing >= 0) {
            patch.removeAt(http, "/spec/http", existing);
            if (existing < managed) managed--;
        }
        patch.insert(http, "/spec/http", managed, wanted);
    }

    /**
     * The header route: the managed route's conditions each narrowed by the header, to the canary destination alone,
     * with the managed route's other behaviour (timeout, retries, rewrite, headers, CORS, fault) so the canary group
     * is served the way the weighted route would serve it.
     */
    private static Map<String, Object> headerRoute(ManagedRoute m, Step.HeaderMatch header)
            throws TargetException.Invalid {
        String name = header.header();
        if (name == null || name.isEmpty() || !name.equals(name.toLowerCase(Locale.ROOT))) {
            // Istio rejects upper-case header keys in a match; lower-casing silently would make the live header
            // differ from the policy's and look like a human edit.
            throw new TargetException.Invalid("header '" + name + "' of the header step must be lower-case for Istio");
        }
        if (header.type() == null || header.value() == null) {
            throw new TargetException.Invalid("the header step on '" + name + "' needs a value to match:"
                    + " exact, prefix or regex");
        }
        Map<String, Object> stringMatch = new LinkedHashMap<>();
        stringMatch.put(header.type().name().toLowerCase(Locale.ROOT), header.value());

        List<Object> match = new ArrayList<>();
        Object ownMatch = m.route().get("match");
        List<Object> own = Json.list(ownMatch);
        if (ownMatch != null && own == null) {
            throw new TargetException.Invalid(m.where() + " has a 'match' that is not a list; write it as a list"
                    + " of conditions: match: [{uri: {prefix: /v1/models}}]");
        }
        if (own == null || own.isEmpty()) {
            Map<String, Object> headers = new LinkedHashMap<>();
            headers.put(name, stringMatch);
            Map<String, Object> condition = new LinkedHashMap<>();
            condition.put("headers", headers);
            match.add(condition);
        } else {
            for (int i = 0; i < own.size(); i++) {
                Map<String, Object> condition = Json.map(Json.deepCopy(own.get(i)));
                if (condition == null || condition.get("headers") != null && Json.map(condition, "headers") == null) {
                    throw new TargetException.Invalid(m.where() + " has a match condition #" + i + " that is not an"
                            + " object of fields (headers, uri, ...): " + Json.oneLine(own.get(i)) + "; fix the route's match");
                }
                Map<String, Object> headers = Json.map(condition, "headers");
                if (headers == null) {
                    headers = new LinkedHashMap<>();
                    condition.put("headers", headers);
                }
                if (headers.containsKey(name)) {
                    throw new TargetException.Invalid(m.where()
                            + " already matches on header '" + name + "'; a header step on it would send all or none"
                            + " of that route's traffic to the canary, so pick another header");
                }
                headers.put(name, Json.deepCopy(stringMatch));
                match.add(condition);
            }
        }
        Map<String, Object> route = new LinkedHashMap<>();
        route.put("name", m.headerRouteName());
        route.put("match", match);
        m.route().forEach((k, v) -> {
            if (!NOT_COPIED_TO_HEADER_ROUTE.contains(k)) route.put(k, Json.deepCopy(v));
        });
        Map<String, Object> canary = Json.deepCopyMap(m.destinationEntry(m.canary()));
        canary.remove("weight"); // a single destination takes all traffic
        List<Object> destinations = new ArrayList<>();
        destinations.add(canary);
        route.put("route", destinations);
        return route;
    }

    // ---- reading -------------------------------------------------------------------------------------------------

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

    private static Step.HeaderMatch liveHeaderRoute(List<Object> http, ManagedRoute m) throws TargetException.Invalid {
        int index = indexOfRoute(http, m.headerRouteName());
        if (index < 0) return null;
        Map<String, Object> headers = Json.map(firstCondition(Json.map(http.get(index))), "headers");
        Map<String, Object> own = Json.map(firstCondition(m.route()), "headers");
        List<Map.Entry<String, Object>> added = new ArrayList<>();
        if (headers != null) {
            for (Map.Entry<String, Object> e : headers.entrySet()) {
                if (own == null || !JsonPatch.jsonEquals(own.get(e.getKey()), e.getValue())) added.add(e);
            }
        }
        Step.HeaderMatch parsed = added.size() == 1 ? headerMatch(added.get(0)) : null;
        if (parsed == null) {
            throw new TargetException.Invalid("the header route '" + m.headerRouteName() + "' of VirtualService " + m.vsKey()
                    + " was changed by hand and no longer reads as one header condition on top of "
                    + m.describe() + "; delete it and Aviary will insert it again");
        }
        return parsed;
    }

    private static Map<String, Object> firstCondition(Map<String, Object> route) {
        List<Object> match = Json.list(route, "match");
        return match == null || match.isEmpty() ? null : Json.map(match.get(0));
    }

    private static Step.HeaderMatch headerMatch(Map.Entry<String, Object> e) {
        Map<String, Object> sm = Json.map(e.getValue());
        if (sm == null || sm.size() != 1) return null;
        for (Step.HeaderMatch.MatchType type : Step.HeaderMatch.MatchType.values()) {
            String value = Json.string(sm, type.name().toLowerCase(Locale.ROOT));
            if (value != null) return new Step.HeaderMatch(e.getKey(), type, value);
        }
        return null;
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

    private static int indexOfRoute(List<Object> http, String name) {
        for (int i = 0; i < http.size(); i++) {
            if (name.equals(Json.string(Json.map(http.get(i)), "name"))) return i;
        }
        return -1;
    }

    // ---- access --------------------------------------------------------------------------------------------------

    static ResourceDefinitionContext context(String version, String kind, String plural) {
        return new ResourceDefinitionContext.Builder()
                .withGroup(GROUP).withVersion(version).withKind(kind).withPlural(plural).withNamespaced(true)
                .build();
    }

    private VirtualService fetch(String ns, String name) throws TargetException {
        for (String version : VERSIONS) {
            ResourceDefinitionContext context = context(version, "VirtualService", "virtualservices");
            try {
                GenericKubernetesResource r = client.genericKubernetesResources(context).inNamespace(ns).withName(name).get();
                if (r != null) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> object = Json.deepCopyMap(client.getKubernetesSerialization().convertValue(r, Map.class));
                    return new VirtualService(context, ns + "/" + name, object);
                }
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw new TargetException("reading VirtualService " + ns + "/" + name + " failed: " + e.getMessage(), e);
                }
            }
        }
        throw new TargetException.Invalid("VirtualService " + ns + "/" + name + " not found");
    }

    private static TargetException.Conflict conflict(String key, String resourceVersion) {
        return new TargetException.Conflict("VirtualService " + key + " changed since it was read at resourceVersion "
                + resourceVersion + "; re-read it and decide again");
    }

    /** A VirtualService as read: the version it was found under and a private, editable copy of the object. */
    private record VirtualService(ResourceDefinitionContext context, String key, Map<String, Object> object) {

        String resourceVersion() {
            return Json.string(Json.map(object, "metadata"), "resourceVersion");
        }

        List<Object> http() {
            Map<String, Object> spec = Json.map(object, "spec");
            List<Object> http = Json.list(spec, "http");
            return http == null ? List.of() : http;
        }
    }
}
