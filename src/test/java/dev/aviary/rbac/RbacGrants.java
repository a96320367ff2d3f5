package dev.aviary.rbac;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What the manifests in k8s/ let Aviary's ServiceAccount do: the rules of every Role and ClusterRole bound to it,
 * each with where it applies (a ClusterRoleBinding: everywhere; a RoleBinding: its namespace). Matching follows
 * Kubernetes RBAC: group, resource, verb, and resourceNames when given.
 */
public record RbacGrants(List<Grant> grants, String serviceAccount, String ownNamespace) {

    /** One rule, where it applies ({@code namespace} null: cluster-wide), and where it is written. */
    public record Grant(String source, String namespace, Set<String> groups, Set<String> resources, Set<String> verbs, Set<String> names) {

        public boolean allows(ApiRequest r) {
            if (namespace != null && !namespace.equals(r.namespace())) return false;
            return matches(groups, r.group()) && matches(resources, r.resource()) && matches(verbs, r.verb())
                    && (names.isEmpty() || (r.name() != null && names.contains(r.name())));
        }

        private static boolean matches(Set<String> allowed, String value) {
            return allowed.contains("*") || allowed.contains(value);
        }
    }

    /** Read every manifest in {@code dir}: Roles, ClusterRoles and their bindings to the Deployment's ServiceAccount. */
    public static RbacGrants read(Path dir) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                YAMLMapper yaml = new YAMLMapper();
                try (MappingIterator<JsonNode> it = yaml.readerFor(JsonNode.class).readValues(f.toFile())) {
                    while (it.hasNext()) {
                        JsonNode d = it.next();
                        if (d != null && !d.isNull() && !d.isMissingNode()) docs.add(((com.fasterxml.jackson.databind.node.ObjectNode) d)
                                .put("#file", dir.getFileName() + "/" + f.getFileName()));
                    }
                }
            }
        }
        JsonNode deployment = docs.stream().filter(d -> d.path("kind").asText().equals("Deployment")
                && d.path("metadata").path("name").asText().equals("aviary")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no Deployment aviary in " + dir));
        String sa = deployment.path("spec").path("template").path("spec").path("serviceAccountName").asText("default");
        String saNamespace = deployment.path("metadata").path("namespace").asText();
        String leaseNamespace = env(deployment, "AVIARY_LEADER_ELECTION_NAMESPACE").orElse(saNamespace);

        List<Grant> grants = new ArrayList<>();
        for (JsonNode binding : docs) {
            String kind = binding.path("kind").asText();
            if (!kind.equals("RoleBinding") && !kind.equals("ClusterRoleBinding")) continue;
            boolean bound = false;
            for (JsonNode s : binding.path("subjects")) {
                bound |= s.path("kind").asText().equals("ServiceAccount") && s.path("name").asText().equals(sa)
                        && s.path("namespace").asText().equals(saNamespace);
            }
            if (!bound) continue;
            String bindingNs = kind.equals("RoleBinding") ? binding.path("metadata").path("namespace").asText() : null;
            String roleKind = binding.path("roleRef").path("kind").asText();
            String roleName = binding.path("roleRef").path("name").asText();
            JsonNode role = docs.stream().filter(d -> d.path("kind").asText().equals(roleKind)
                    && d.path("metadata").path("name").asText().equals(roleName)
                    && (roleKind.equals("ClusterRole") || d.path("metadata").path("namespace").asText().equals(bindingNs)))
                    .findFirst().orElseThrow(() -> new IllegalStateException(kind + " " + binding.path("metadata").path("name").asText()
                            + " refers to a missing " + roleKind + " " + roleName));
            int i = 0;
            for (JsonNode rule : role.path("rules")) {
                i++;
                grants.add(new Grant(role.path("#file").asText() + ": " + roleKind + " " + roleName + " rule " + i
                        + (bindingNs == null ? "" : " (namespace " + bindingNs + ")"),
                        bindingNs, set(rule, "apiGroups"), set(rule, "resources"), set(rule, "verbs"), set(rule, "resourceNames")));
            }
        }
        return new RbacGrants(List.copyOf(grants), saNamespace + "/" + sa, leaseNamespace);
    }

    /** The grants that allow the request; empty means the API server would answer 403. */
    public List<Grant> allowing(ApiRequest r) {
        return grants.stream().filter(g -> g.allows(r)).toList();
    }

    private static Set<String> set(JsonNode rule, String field) {
        Set<String> s = new LinkedHashSet<>();
        rule.path(field).forEach(v -> s.add(v.asText()));
        return Set.copyOf(s);
    }

    private static Optional<String> env(JsonNode deployment, String name) {
        for (JsonNode c : deployment.path("spec").path("template").path("spec").path("containers")) {
            for (JsonNode e : c.path("env")) {
                if (e.path("name").asText().equals(name) && e.has("value")) return Optional.of(e.path("value").asText());
            }
        }
        return Optional.empty();
    }
}
