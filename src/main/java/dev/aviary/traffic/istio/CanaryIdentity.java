package dev.aviary.traffic.istio;

import dev.aviary.cache.ClusterReads;
import dev.aviary.cache.Kind;
import dev.aviary.traffic.Json;
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
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Canary identity: what the canary subset's labels select (the Deployments behind it), digested, so that a new
 * canary build starts a new rollout while a restart does not.
 */
final class CanaryIdentity {

    private static final Logger LOG = Logger.getLogger(CanaryIdentity.class);

    /** A restart changes the pod template but not the model: it must not look like a new canary. */
    private static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";

    static final Kind<Service> SERVICES = Kind.of(Service.class);
    static final Kind<Deployment> DEPLOYMENTS = Kind.of(Deployment.class);

    private final KubernetesClient client;
    private final ClusterReads reads;
    private final DestinationRules rules;

    CanaryIdentity(KubernetesClient client, ClusterReads reads, DestinationRules rules) {
        this.client = client;
        this.reads = reads;
        this.rules = rules;
    }

    /**
     * A digest of the pod templates of the Deployments behind the canary subset (the Service's selector plus the
     * subset's labels), so a new canary build shows as a new identity; null when it cannot be told.
     */
    String of(String vsNamespace, String host, String subset) {
        try {
            Map<String, Object> labels = Json.map(rules.findSubset(vsNamespace, host, subset), "labels");
            if (labels == null || labels.isEmpty()) return null; // no labels: the subset is the whole service
            String ns = Objects.requireNonNullElse(Hosts.namespaceOf(host, vsNamespace), vsNamespace);
            Map<String, String> selector = new LinkedHashMap<>();
            String serviceName = Hosts.serviceOf(host, vsNamespace);
            if (serviceName != null) {
                Service service = reads.get(SERVICES, ns, serviceName);
                if (service != null && service.getSpec() != null && service.getSpec().getSelector() != null) {
                    selector.putAll(service.getSpec().getSelector());
                }
            }
            labels.forEach((k, v) -> selector.put(k, String.valueOf(v)));
            List<Deployment> canaries = reads.list(DEPLOYMENTS, ns).stream()
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
        return client.getKubernetesSerialization().asJson(Json.sortedKeys(template));
    }

}
