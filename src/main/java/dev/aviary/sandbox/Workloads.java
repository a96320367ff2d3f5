package dev.aviary.sandbox;

import dev.aviary.policy.Policy;
import dev.aviary.policy.IstioTarget;
import dev.aviary.sim.Pods;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Finds what a policy's rollout runs on among the manifests — its VirtualService, the managed route, the
 * DestinationRule, the Service and the pods behind each subset — and adds the Services and Deployments the manifests
 * leave out, built from the DestinationRule subsets' labels, saying so for each. Without pods behind a subset the
 * simulated mesh answers 503, as Istio would.
 */
final class Workloads {

    /** Marks an object the sandbox made up, in the sandbox's API server and in the dump. */
    static final String SYNTHESIZED = "aviary.dev/sandbox-synthesized";

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    /**
     * The traffic facts of one policy's target.
     *
     * @param host            the destination host's short name (the Service, and Istio's destination_service_name)
     * @param apiVersion      the VirtualService's apiVersion as written
     * @param baselineVersion the baseline pods' version label (what the metrics report); null without pods
     * @param canaryVersion   the canary pods' version label; null without pods
     */
    record Arms(String virtualService, String host, String apiVersion, String baselineVersion, String canaryVersion) {}

    private final List<Manifests.Item> items;
    private final List<String> notes = new ArrayList<>();

    Workloads(List<Manifests.Item> items) {
        this.items = new ArrayList<>(items);
    }

    /** The manifests' objects and the synthesized ones. */
    List<Manifests.Item> items() {
        return List.copyOf(items);
    }

    /** One line per synthesized object, and per thing that will make the mesh answer 503. */
    List<String> notes() {
        return List.copyOf(notes);
    }

    /**
     * The arms of a policy's target, with pods behind both subsets.
     *
     * @throws IllegalArgumentException when the manifests lack the target VirtualService (a rehearsal needs it)
     */
    Arms arms(Policy p) {
        if (!(p.target() instanceof IstioTarget t)) {
            throw new IllegalArgumentException(p.source() + ": policy " + p.key() + " targets " + p.target().describe()
                    + "; the sandbox rehearses Istio VirtualServices only");
        }
        String ns = p.namespace();
        Manifests.Item vs = find("VirtualService", ns, t.virtualService());
        if (vs == null) {
            throw new IllegalArgumentException(p.source() + ": policy " + p.key() + " targets VirtualService " + ns + "/"
                    + t.virtualService() + ", which none of the manifests defines; add it to the manifests directory");
        }
        Map<String, Object> route = managedRoute(vs, t);
        Map<String, Object> destination = route == null ? null : destination(route, t.baseline().subset());
        if (route == null) {
            notes.add(vs.source() + ": no http route of " + vs.describe() + " holds both subsets " + t.baseline().subset() + " and "
                    + t.canary().subset() + (t.route() == null ? "" : " under the name " + t.route())
                    + "; the rehearsal shows what Aviary makes of that");
        }
        String host = t.baseline().host() != null ? t.baseline().host()
                : destination != null && destination.get("host") instanceof String h ? h : t.virtualService();
        host = host.contains(".") ? host.substring(0, host.indexOf('.')) : host;
        Integer port = destination != null && map(destination.get("port")).get("number") instanceof Number n ? n.intValue() : null;

        Manifests.Item dr = destinationRule(ns, host);
        if (dr == null) {
            notes.add("no DestinationRule for host " + host + " in namespace " + ns + ": Istio answers 503 for its subsets, and so"
                    + " does the sandbox (nothing synthesized)");
        }
        Map<String, String> selector = serviceSelector(ns, host, port, vs);
        return new Arms(t.virtualService(), host, vs.object().getApiVersion(), version(ns, host, selector, dr, t.baseline().subset(), port),
                version(ns, host, selector, dr, t.canary().subset(), port));
    }

    private Map<String, String> serviceSelector(String ns, String host, Integer port, Manifests.Item vs) {
        Manifests.Item svc = find("Service", ns, host);
        if (svc != null) return strings(map(map(svc.object().getAdditionalProperties().get("spec")).get("selector")));
        Map<String, String> selector = Map.of("app", host);
        int p = port == null ? 8080 : port;
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("selector", selector);
        spec.put("ports", List.of(Map.of("name", "http", "port", p, "targetPort", p)));
        add(object("v1", "Service", ns, host, selector, spec), "synthesized Service " + ns + "/" + host + " (selector app=" + host
                + ", port " + p + "): " + vs.describe() + " routes to host " + host + " and none of the manifests defines that Service");
        return selector;
    }

    /** The version label of the pods behind a subset, synthesizing a Deployment when no pods match. */
    private String version(String ns, String host, Map<String, String> selector, Manifests.Item dr, String subset, Integer port) {
        if (dr == null) return null;
        Map<String, Object> found = null;
        for (Object s : list(map(dr.object().getAdditionalProperties().get("spec")).get("subsets"))) {
            if (subset.equals(map(s).get("name"))) found = map(s);
        }
        if (found == null) {
            notes.add(dr.source() + ": " + dr.describe() + " has no subset " + subset + ": Istio answers 503 (NR) for it, and so does"
                    + " the sandbox");
            return null;
        }
        Map<String, String> labels = strings(map(found.get("labels")));
        Pods pods = new Pods(selector, deployments(ns));
        Pods.Backend backend = pods.resolve(labels);
        if (backend != null) return backend.version();

        Map<String, String> podLabels = new TreeMap<>(pods.selector(labels));
        // Istio reports the pods' version label; without one every arm would read "unknown"
        String added = "";
        if (!podLabels.containsKey("version") && !podLabels.containsKey("app.kubernetes.io/version")) {
            podLabels.put("version", subset);
            added = " (version=" + subset + " added: Istio reports the pods' version label)";
        }
        String name = find("Deployment", ns, host + "-" + subset) == null ? host + "-" + subset : host + "-" + subset + "-sandbox";
        add(object("apps/v1", "Deployment", ns, name, podLabels, deploymentSpec(podLabels, port)),
                "synthesized Deployment " + ns + "/" + name + " with pods labelled " + describe(podLabels) + added + ", from "
                        + dr.describe() + " subset " + subset + ": none of the manifests runs pods for it");
        return Pods.versionLabel(podLabels);
    }

    private static Map<String, Object> deploymentSpec(Map<String, String> podLabels, Integer port) {
        Map<String, Object> container = new LinkedHashMap<>();
        container.put("name", "model");
        container.put("image", "aviary-sandbox/simulated-model");
        container.put("ports", List.of(Map.of("containerPort", port == null ? 8080 : port)));
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("replicas", 1);
        spec.put("selector", Map.of("matchLabels", podLabels));
        spec.put("template", Map.of("metadata", Map.of("labels", podLabels), "spec", Map.of("containers", List.of(container))));
        return spec;
    }

    private void add(GenericKubernetesResource o, String note) {
        items.add(new Manifests.Item(o, new Manifests.Source("(synthesized)", 0)));
        notes.add(note);
    }

    private static GenericKubernetesResource object(String apiVersion, String kind, String ns, String name, Map<String, String> labels,
            Map<String, Object> spec) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("name", name);
        metadata.put("namespace", ns);
        metadata.put("labels", labels);
        metadata.put("annotations", Map.of(SYNTHESIZED, "true"));
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("apiVersion", apiVersion);
        o.put("kind", kind);
        o.put("metadata", metadata);
        o.put("spec", spec);
        return SERIALIZATION.convertValue(o, GenericKubernetesResource.class);
    }

    /** The route the target names, else the first whose destinations hold both subsets (as Aviary picks it). */
    private static Map<String, Object> managedRoute(Manifests.Item vs, IstioTarget t) {
        for (Object r : list(map(vs.object().getAdditionalProperties().get("spec")).get("http"))) {
            Map<String, Object> route = map(r);
            boolean match = t.route() != null ? t.route().equals(route.get("name"))
                    : destination(route, t.baseline().subset()) != null && destination(route, t.canary().subset()) != null;
            if (match) return route;
        }
        return null;
    }

    private static Map<String, Object> destination(Map<String, Object> route, String subset) {
        for (Object d : list(route.get("route"))) {
            Map<String, Object> destination = map(map(d).get("destination"));
            if (subset.equals(destination.get("subset"))) return destination;
        }
        return null;
    }

    private Manifests.Item destinationRule(String ns, String host) {
        return items.stream().filter(i -> i.kind().equals("DestinationRule") && i.namespace().equals(ns))
                .filter(i -> map(i.object().getAdditionalProperties().get("spec")).get("host") instanceof String h
                        && (h.equals(host) || h.startsWith(host + ".")))
                .findFirst().orElse(null);
    }

    /** The namespace's Deployments; one that does not read as a Deployment runs no pods, as the API server would refuse it. */
    private List<Deployment> deployments(String ns) {
        List<Deployment> out = new ArrayList<>();
        for (Manifests.Item i : items) {
            if (!i.kind().equals("Deployment") || !i.namespace().equals(ns)) continue;
            try {
                out.add(SERIALIZATION.convertValue(i.object(), Deployment.class));
            } catch (IllegalArgumentException e) {
                String note = i.source() + ": " + i.describe() + " is not a valid Deployment, so it runs no pods: "
                        + Manifests.oneLine(e.getMessage());
                if (!notes.contains(note)) notes.add(note);
            }
        }
        return out;
    }

    private Manifests.Item find(String kind, String ns, String name) {
        return items.stream().filter(i -> i.kind().equals(kind) && i.namespace().equals(ns) && i.name().equals(name))
                .findFirst().orElse(null);
    }

    private static String describe(Map<String, String> labels) {
        return String.join(", ", labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static List<?> list(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }

    private static Map<String, String> strings(Map<String, Object> m) {
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }
}
