package dev.aviary.traffic.istio;

/**
 * Istio host names: a name without a dot is short and resolved against the namespace of the rule that holds it
 * (Istio's own rule); {@code name.ns} and {@code name.ns.svc} are completed to the cluster-local FQDN so they compare
 * equal to it.
 */
final class Hosts {

    static final String CLUSTER_SUFFIX = ".svc.cluster.local";

    private Hosts() {}

    static String fqdn(String host, String ruleNamespace) {
        if (host == null) return null;
        String h = host.toLowerCase(java.util.Locale.ROOT);
        if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
        if (!h.contains(".")) return h + "." + ruleNamespace + CLUSTER_SUFFIX;
        if (h.endsWith(".svc")) return h + ".cluster.local";
        if (h.chars().filter(c -> c == '.').count() == 1) return h + CLUSTER_SUFFIX;
        return h;
    }

    static boolean same(String a, String aNamespace, String b, String bNamespace) {
        return a != null && b != null && fqdn(a, aNamespace).equals(fqdn(b, bNamespace));
    }

    /** The namespace of an in-cluster service host, or null when the host is not a cluster-local service. */
    static String namespaceOf(String host, String ruleNamespace) {
        String f = fqdn(host, ruleNamespace);
        if (!f.endsWith(CLUSTER_SUFFIX)) return null;
        String[] parts = f.substring(0, f.length() - CLUSTER_SUFFIX.length()).split("\\.");
        return parts.length == 2 ? parts[1] : null;
    }

    /** The Service name of an in-cluster service host, or null. */
    static String serviceOf(String host, String ruleNamespace) {
        String f = fqdn(host, ruleNamespace);
        if (!f.endsWith(CLUSTER_SUFFIX)) return null;
        String[] parts = f.substring(0, f.length() - CLUSTER_SUFFIX.length()).split("\\.");
        return parts.length == 2 ? parts[0] : null;
    }
}
