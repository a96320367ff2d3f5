package dev.aviary.traffic.istio;

import dev.aviary.policy.Policy;
import dev.aviary.policy.Step;
import dev.aviary.policy.Target;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.TargetException;
import dev.aviary.traffic.TrafficRouter;
import dev.aviary.traffic.TrafficSplit;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

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
public final class IstioRouter implements TrafficRouter {

    private static final Logger LOG = Logger.getLogger(IstioRouter.class);

    static final String GROUP = "networking.istio.io";
    /** Newest first: Istio ≥1.22 serves v1; older clusters answer 404 and the next version is tried. */
    static final List<String> VERSIONS = List.of("v1", "v1beta1", "v1alpha3");

    /** Fields of the managed route a header route does not copy: its identity, its match, its destinations, mirrors. */
    private static final Set<String> NOT_COPIED_TO_HEADER_ROUTE =
            Set.of("name", "match", "route", "mirror", "mirrorPercentage", "mirrorPercent", "mirror_percent", "mirrors");

    /** A restart changes the pod template but not the model: it must not look like a new canary. */
    private static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";

    private final KubernetesClient client;

    public IstioRouter(KubernetesClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    @Override
    public boolean supports(Policy policy) {
        return policy.target() != null && policy.target().istio() != null;
    }

    @Override
    public ArmLabels armLabels(Policy policy) throws TargetException {
        Target.IstioTarget t = istio(policy);
        String ns = policy.namespace();
        VirtualService vs = fetch(ns, t.virtualService());
        ManagedRoute m = ManagedRoute.resolve(vs.key(), ns, vs.http(), t);
        String canaryHost = m.host(m.canary());
        // Istio's destination_service_name is the host's short name; it keeps two models' v1/v2 apart
        String service = canaryHost.contains(".") ? canaryHost.substring(0, canaryHost.indexOf('.')) : canaryHost;
        if (t.baseline().version() != null && t.canary().version() != null) {
            return new ArmLabels(t.baseline().version(), t.canary().version(), service);
        }
        return new ArmLabels(
                armLabel(t.baseline(), ns, m.host(m.baseline())),
                armLabel(t.canary(), ns, canaryHost), service);
    }

    @Override
    public LiveTraffic read(Policy policy) throws TargetException {
        Target.IstioTarget t = istio(policy);
        String ns = policy.namespace();
        VirtualService vs = fetch(ns, t.virtualService());
        List<Object> http = vs.http();
        ManagedRoute m = ManagedRoute.resolve(vs.key(), ns, http, t);
        TrafficSplit split = new TrafficSplit(canaryShare(m), liveHeaderRoute(vs.key(), http, m),
                liveMirrorPercent(m, ns, t.canary().subset()));
        String identity = canaryIdentity(ns, m.host(m.canary()), t.canary().subset());
        return new LiveTraffic(split, vs.resourceVersion(), true, identity);
    }

    @Override
    public String apply(Policy policy, TrafficSplit desired, String resourceVersion) throws TargetException {
        Objects.requireNonNull(resourceVersion, "resourceVersion: a write must be conditional on what was read");
        Target.IstioTarget t = istio(policy);
        String ns = policy.namespace();
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
    private static void edit(VirtualService vs, String ns, Target.IstioTarget t, TrafficSplit desired, JsonPatch patch)
            throws TargetException.Invalid {
        List<Object> http = vs.http();
        ManagedRoute m = ManagedRoute.resolve(vs.key(), ns, http, t);
        String routePtr = "/spec/http/" + m.index();

        List<Object> dests = m.destinations();
        for (int i = 0; i < dests.size(); i++) {
            if (i == m.baseline() || i == m.canary()) continue;
            int w = weight(dests, i);
            if (w != 0) {
                Map<String, Object> d = m.destination(i);
                throw new TargetException.Invalid(m.describe() + " of VirtualService " + vs.key() + " gives weight " + w
                        + " to " + Json.string(d, "host") + "/" + Json.string(d, "subset") + ", which is neither arm;"
                        + " Aviary keeps baseline + canary = 100, so set its weight to 0 or move it to another route");
            }
        }
        // Always both weights, explicitly: they must sum to 100 (Istio ≤1.14 rejects anything else).
        patch.put(m.destinationEntry(m.baseline()), routePtr + "/route/" + m.baseline(), "weight", desired.baselineWeight());
        patch.put(m.destinationEntry(m.canary()), routePtr + "/route/" + m.canary(), "weight", desired.canaryWeight());

        editMirror(vs, ns, t, desired, m, routePtr, patch);
        editHeaderRoute(vs, http, desired.headerRoute(), m, patch);
    }

    private static void editMirror(VirtualService vs, String ns, Target.IstioTarget t, TrafficSplit desired,
            ManagedRoute m, String routePtr, JsonPatch patch) throws TargetException.Invalid {
        Map<String, Object> route = m.route();
        Map<String, Object> mirror = Json.map(route, "mirror");
        boolean ours = isCanaryMirror(mirror, ns, m.host(m.canary()), t.canary().subset());
        if (desired.mirrorPercent() > 0) {
            if (mirror != null && !ours) {
                throw new TargetException.Invalid(m.describe() + " of VirtualService " + vs.key() + " already mirrors to "
                        + Json.string(mirror, "host") + "/" + Json.string(mirror, "subset")
                        + "; Aviary does not replace a mirror it did not set, remove it to use a mirror step");
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
            percentage.put("value", desired.mirrorPercent());
            patch.put(route, routePtr, "mirrorPercentage", percentage);
        } else if (ours) {
            patch.remove(route, routePtr, "mirror");
            patch.remove(route, routePtr, "mirrorPercentage");
        }
    }

    private static void editHeaderRoute(VirtualService vs, List<Object> http, Step.HeaderMatch header, ManagedRoute m,
            JsonPatch patch) throws TargetException.Invalid {
        int existing = indexOfRoute(http, m.headerRouteName());
        if (header == null) {
            if (existing >= 0) patch.removeAt(http, "/spec/http", existing);
            return;
        }
        Map<String, Object> wanted = headerRoute(vs.key(), m, header);
        int managed = m.index();
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
    private static Map<String, Object> headerRoute(String vsKey, ManagedRoute m, Step.HeaderMatch header)
            throws TargetException.Invalid {
        String name = header.header();
        if (name == null || name.isEmpty() || !name.equals(name.toLowerCase(Locale.ROOT))) {
            // Istio rejects upper-case header keys in a match; lower-casing silently would make the live header
            // differ from the policy's and look like a human edit.
            throw new TargetException.Invalid("header '" + name + "' of the header step must be lower-case for Istio");
        }
        Map<String, Object> stringMatch = new LinkedHashMap<>();
        stringMatch.put(header.type().name().toLowerCase(Locale.ROOT), header.value());

        List<Object> match = new ArrayList<>();
        List<Object> own = Json.list(m.route(), "match");
        if (own == null || own.isEmpty()) {
            Map<String, Object> headers = new LinkedHashMap<>();
            headers.put(name, stringMatch);
            Map<String, Object> condition = new LinkedHashMap<>();
            condition.put("headers", headers);
            match.add(condition);
        } else {
            for (Object c : own) {
                Map<String, Object> condition = Json.map(Json.deepCopy(c));
                Map<String, Object> headers = Json.map(condition, "headers");
                if (headers == null) {
                    headers = new LinkedHashMap<>();
                    condition.put("headers", headers);
                }
                if (headers.containsKey(name)) {
                    throw new TargetException.Invalid(m.describe() + " of VirtualService " + vsKey
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
    private static int canaryShare(ManagedRoute m) {
        List<Object> dests = m.destinations();
        long total = 0;
        for (int i = 0; i < dests.size(); i++) total += weight(dests, i);
        int canary = weight(dests, m.canary());
        if (total == 100 || total == 0) return canary;
        // Newer Istio takes weights as relative; report the share so it stays within 0-100.
        return (int) Math.round(100.0 * canary / total);
    }

    /** A destination's weight; a missing weight means all traffic when it is the only destination, else none. */
    private static int weight(List<Object> dests, int i) {
        Number w = Json.number(Json.map(dests.get(i)), "weight");
        if (w != null) return w.intValue();
        return dests.size() == 1 ? 100 : 0;
    }

    private static Step.HeaderMatch liveHeaderRoute(String vsKey, List<Object> http, ManagedRoute m)
            throws TargetException.Invalid {
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
            throw new TargetException.Invalid("the header route '" + m.headerRouteName() + "' of VirtualService " + vsKey
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

    // ---- arms: DestinationRule and Deployments ---------------------------------------------------------------------

    private String armLabel(Target.Arm arm, String ns, String routeHost) throws TargetException {
        if (arm.version() != null) return arm.version();
        String host = arm.host() != null ? arm.host() : routeHost;
        try {
            String version = Json.string(Json.map(findSubset(ns, host, arm.subset()), "labels"), "version");
            return version != null ? version : arm.subset();
        } catch (KubernetesClientException e) {
            throw new TargetException("reading the DestinationRule for " + host + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * The subset of the DestinationRule for {@code host}, looked up in the host's namespace and the VirtualService's;
     * null when there is none.
     */
    private Map<String, Object> findSubset(String vsNamespace, String host, String subset) {
        Set<String> namespaces = new LinkedHashSet<>();
        String hostNamespace = Hosts.namespaceOf(host, vsNamespace);
        if (hostNamespace != null) namespaces.add(hostNamespace);
        namespaces.add(vsNamespace);
        for (String ns : namespaces) {
            // every version is asked: a real server serves one storage under all of them, but may not serve v1
            for (String version : VERSIONS) {
                List<GenericKubernetesResource> rules;
                try {
                    rules = client.genericKubernetesResources(context(version, "DestinationRule", "destinationrules"))
                            .inNamespace(ns).list().getItems();
                } catch (KubernetesClientException e) {
                    if (e.getCode() == 404) continue;
                    throw e;
                }
                for (GenericKubernetesResource rule : rules) {
                    Map<String, Object> spec = Json.map(rule.getAdditionalProperties().get("spec"));
                    if (!Hosts.same(Json.string(spec, "host"), ns, host, vsNamespace)) continue;
                    List<Object> subsets = Json.list(spec, "subsets");
                    if (subsets == null) return null;
                    for (Object s : subsets) {
                        if (subset.equals(Json.string(Json.map(s), "name"))) return Json.map(s);
                    }
                    return null;
                }
            }
        }
        return null;
    }

    /**
     * A digest of the pod templates of the Deployments behind the canary subset (the Service's selector plus the
     * subset's labels), so a new canary build shows as a new identity; null when it cannot be told.
     */
    private String canaryIdentity(String vsNamespace, String host, String subset) {
        try {
            Map<String, Object> labels = Json.map(findSubset(vsNamespace, host, subset), "labels");
            if (labels == null || labels.isEmpty()) return null; // no labels: the subset is the whole service
            String ns = Objects.requireNonNullElse(Hosts.namespaceOf(host, vsNamespace), vsNamespace);
            Map<String, String> selector = new LinkedHashMap<>();
            String serviceName = Hosts.serviceOf(host, vsNamespace);
            if (serviceName != null) {
                Service service = client.services().inNamespace(ns).withName(serviceName).get();
                if (service != null && service.getSpec() != null && service.getSpec().getSelector() != null) {
                    selector.putAll(service.getSpec().getSelector());
                }
            }
            labels.forEach((k, v) -> selector.put(k, String.valueOf(v)));
            List<Deployment> canaries = client.apps().deployments().inNamespace(ns).list().getItems().stream()
                    .filter(d -> templateLabels(d).entrySet().containsAll(selector.entrySet()))
                    .sorted(Comparator.comparing(d -> d.getMetadata().getName()))
                    .toList();
            if (canaries.isEmpty()) return null;
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Deployment d : canaries) {
                digest.update((d.getMetadata().getName() + "\n" + canonicalTemplate(d) + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            return "sha256:" + HexFormat.of().formatHex(digest.digest(), 0, 8);
        } catch (KubernetesClientException e) {
            LOG.warnf("cannot tell the canary's identity behind %s/%s: %s", host, subset, e.getMessage());
            return null;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
        }
    }

    private static Map<String, String> templateLabels(Deployment d) {
        if (d.getSpec() == null || d.getSpec().getTemplate() == null || d.getSpec().getTemplate().getMetadata() == null
                || d.getSpec().getTemplate().getMetadata().getLabels() == null) {
            return Map.of();
        }
        return d.getSpec().getTemplate().getMetadata().getLabels();
    }

    /** The pod template as JSON with sorted keys, so equal templates hash equal whatever the field order. */
    private String canonicalTemplate(Deployment d) {
        @SuppressWarnings("unchecked")
        Map<String, Object> template = Json.deepCopyMap(
                client.getKubernetesSerialization().convertValue(d.getSpec().getTemplate(), Map.class));
        Map<String, Object> annotations = Json.map(Json.map(template, "metadata"), "annotations");
        if (annotations != null) annotations.remove(RESTARTED_AT);
        return client.getKubernetesSerialization().asJson(sorted(template));
    }

    private static Object sorted(Object o) {
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> s = new TreeMap<>();
            m.forEach((k, v) -> s.put(String.valueOf(k), sorted(v)));
            return s;
        }
        if (o instanceof List<?> l) return l.stream().map(IstioRouter::sorted).toList();
        return o;
    }

    // ---- access --------------------------------------------------------------------------------------------------

    private static Target.IstioTarget istio(Policy policy) {
        if (policy.target() == null || policy.target().istio() == null) {
            throw new IllegalArgumentException("policy " + policy.key() + " does not target an Istio VirtualService");
        }
        return policy.target().istio();
    }

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
