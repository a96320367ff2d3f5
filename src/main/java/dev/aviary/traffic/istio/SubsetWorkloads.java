package dev.aviary.traffic.istio;

import dev.aviary.policy.IstioTarget;
import dev.aviary.traffic.TargetException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * What stands behind a route's subsets: the DestinationRule subset's labels (the metric label of an arm) and the
 * Deployments those labels select (the canary's identity).
 */
final class SubsetWorkloads {

    private static final Logger LOG = Logger.getLogger(SubsetWorkloads.class);

    /** A restart changes the pod template but not the model: it must not look like a new canary. */
    private static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";

    private final KubernetesClient client;

    SubsetWorkloads(KubernetesClient client) {
        this.client = client;
    }

    String armLabel(IstioTarget.Arm arm, String ns, String routeHost) throws TargetException {
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
            for (String version : IstioRouter.VERSIONS) {
                List<GenericKubernetesResource> rules;
                try {
                    rules = client.genericKubernetesResources(IstioRouter.context(version, "DestinationRule", "destinationrules"))
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
    String canaryIdentity(String vsNamespace, String host, String subset) {
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
        if (o instanceof List<?> l) return l.stream().map(SubsetWorkloads::sorted).toList();
        return o;
    }
}
