package dev.aviary.traffic.istio;

import dev.aviary.cache.ClusterReads;
import dev.aviary.traffic.Json;
import dev.aviary.policy.IstioTarget;
import dev.aviary.traffic.TargetException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Subset resolution: the DestinationRule subset a route's arm names, and its labels (the arm's metric label unless
 * the policy gives one).
 */
final class DestinationRules {

    private final ClusterReads reads;

    DestinationRules(ClusterReads reads) {
        this.reads = reads;
    }

    /** The metric label value of {@code arm}: the policy's version, else the subset's version label, else its name. */
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
    Map<String, Object> findSubset(String vsNamespace, String host, String subset) {
        Set<String> namespaces = new LinkedHashSet<>();
        String hostNamespace = Hosts.namespaceOf(host, vsNamespace);
        if (hostNamespace != null) namespaces.add(hostNamespace);
        namespaces.add(vsNamespace);
        for (String ns : namespaces) {
            // every version is asked: a real server serves one storage under all of them, but may not serve v1
            for (String version : IstioApi.VERSIONS) {
                List<GenericKubernetesResource> rules;
                try {
                    rules = reads.list(IstioApi.destinationRules(version), ns);
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
}
