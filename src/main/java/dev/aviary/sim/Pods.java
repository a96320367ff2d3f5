package dev.aviary.sim;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Deployments a DestinationRule subset can resolve to, as Istio resolves it: pods carrying the Service's
 * selector and the subset's labels. Istio reports the pod's {@code version} label as destination_version
 * ("unknown" without one), which is the label Aviary tells the arms apart by.
 */
public record Pods(Map<String, String> serviceSelector, List<Deployment> deployments) {

    /** Where a request lands: the version label the metrics carry and the workload that served it. */
    public record Backend(String version, String workload) {}

    public Pods {
        serviceSelector = Map.copyOf(serviceSelector);
        deployments = List.copyOf(deployments);
    }

    /** The backend behind a subset's labels; null when no Deployment's pods match (Istio answers 503 UH). */
    public Backend resolve(Map<String, String> subsetLabels) {
        Map<String, String> wanted = selector(subsetLabels);
        return deployments.stream()
                .filter(d -> templateLabels(d).entrySet().containsAll(wanted.entrySet()))
                .min(Comparator.comparing(d -> d.getMetadata().getName()))
                .map(d -> new Backend(versionLabel(templateLabels(d)), d.getMetadata().getName()))
                .orElse(null);
    }

    /** The labels a pod needs to serve a subset: the Service's selector and the subset's own labels. */
    public Map<String, String> selector(Map<String, String> subsetLabels) {
        Map<String, String> wanted = new HashMap<>(serviceSelector);
        wanted.putAll(subsetLabels);
        return wanted;
    }

    /** What Istio reports as destination_version for pods with these labels. */
    public static String versionLabel(Map<String, String> podLabels) {
        return podLabels.getOrDefault("version", podLabels.getOrDefault("app.kubernetes.io/version", "unknown"));
    }

    private static Map<String, String> templateLabels(Deployment d) {
        if (d.getSpec() == null || d.getSpec().getTemplate() == null || d.getSpec().getTemplate().getMetadata() == null
                || d.getSpec().getTemplate().getMetadata().getLabels() == null) {
            return Map.of();
        }
        return d.getSpec().getTemplate().getMetadata().getLabels();
    }
}
