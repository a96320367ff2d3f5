package dev.aviary.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * k8s/ is an installable, hardened kustomize base: what {@code kubectl kustomize k8s/} renders (when kubectl is on the
 * machine; CI images have it) is checked object by object, and the parts that need no kubectl (the policy ConfigMap's
 * file list, the image's user) are checked on the files.
 */
class ClusterManifestsTest {

    static final Path BASEDIR = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
    static final YAMLMapper YAML = new YAMLMapper();

    /** The rendered base, or null when kubectl is not installed. */
    static List<JsonNode> rendered;

    @BeforeAll
    static void render() throws IOException, InterruptedException {
        if (!onPath("kubectl")) return;
        Process p = new ProcessBuilder("kubectl", "kustomize", BASEDIR.resolve("k8s").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize k8s/ did not finish in 60 s");
        assertEquals(0, p.exitValue(), "kubectl kustomize k8s/ failed (its error is above)");
        rendered = documents(out);
    }

    @Test
    void theBaseRendersEveryObjectOfAnInstall() {
        assumeKubectl();
        Set<String> kinds = rendered.stream().map(d -> d.path("kind").asText() + "/" + d.path("metadata").path("name").asText())
                .collect(Collectors.toCollection(TreeSet::new));
        for (String expected : List.of("Namespace/aviary-system", "CustomResourceDefinition/canaryrollouts.aviary.dev",
                "ServiceAccount/aviary", "ClusterRole/aviary", "ClusterRoleBinding/aviary", "Deployment/aviary", "ConfigMap/aviary-policies",
                "Service/aviary", "ServiceMonitor/aviary", "PodDisruptionBudget/aviary", "NetworkPolicy/aviary")) {
            assertTrue(kinds.contains(expected), "kubectl kustomize k8s/ renders no " + expected + "; it renders " + kinds);
        }
        for (JsonNode d : rendered) {
            String ns = d.path("metadata").path("namespace").asText("");
            boolean clusterScoped = Set.of("Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding").contains(d.path("kind").asText());
            assertEquals(clusterScoped ? "" : "aviary-system", ns, d.path("kind").asText() + " " + d.path("metadata").path("name").asText()
                    + ": the base installs into aviary-system only (the opt-in Roles of other namespaces are applied apart)");
        }
    }

    @Test
    void theDeploymentIsHardened() {
        assumeKubectl();
        JsonNode deployment = one("Deployment", "aviary");
        assertEquals(2, deployment.at("/spec/replicas").asInt(), "two replicas, one leading through the Lease");
        JsonNode pod = deployment.at("/spec/template/spec");
        assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean(), "runAsNonRoot");
        assertEquals(imageUser(), pod.at("/securityContext/runAsUser").asInt(), "the pod runs as the image's user (Dockerfile.jvm's USER)");
        assertEquals("RuntimeDefault", pod.at("/securityContext/seccompProfile/type").asText(), "seccomp profile");
        JsonNode c = pod.at("/containers/0");
        assertTrue(c.at("/securityContext/readOnlyRootFilesystem").asBoolean(), "read-only root filesystem");
        assertFalse(c.at("/securityContext/allowPrivilegeEscalation").asBoolean(true), "allowPrivilegeEscalation: false");
        assertEquals(List.of("ALL"), strings(c.at("/securityContext/capabilities/drop")), "every capability dropped");
        for (String r : List.of("/resources/requests/cpu", "/resources/requests/memory", "/resources/limits/cpu", "/resources/limits/memory")) {
            assertFalse(c.at(r).asText().isEmpty(), "the container sets " + r);
        }
        assertEquals("/q/health/started", c.at("/startupProbe/httpGet/path").asText());
        assertEquals("/q/health/live", c.at("/livenessProbe/httpGet/path").asText());
        assertEquals("/q/health/ready", c.at("/readinessProbe/httpGet/path").asText());
        String tmpVolume = mountedAt(c, "/tmp");
        assertTrue(volume(pod, tmpVolume).has("emptyDir"), "/tmp is a writable emptyDir on the read-only root filesystem");
        String policies = volume(pod, mountedAt(c, env(c, "AVIARY_POLICIES_DIR"))).at("/configMap/name").asText();
        assertEquals("aviary-policies", policies, "the policy directory is the generated ConfigMap");
    }

    @Test
    void theImageIsARealNameTaggedWithTheProjectVersion() throws IOException {
        assumeKubectl();
        String image = one("Deployment", "aviary").at("/spec/template/spec/containers/0/image").asText();
        Matcher version = Pattern.compile("<artifactId>aviary</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(BASEDIR.resolve("pom.xml")));
        assertTrue(version.find(), "pom.xml names aviary's version");
        assertEquals("ghcr.io/aviary-dev/aviary:" + version.group(1).replace("-SNAPSHOT", ""), image,
                "k8s/kustomization.yaml's images: tags the image with the project's version");
    }

    @Test
    void thePolicyConfigMapHoldsThePolicyFilesAsTheyAre() throws IOException {
        assumeKubectl();
        JsonNode data = one("ConfigMap", "aviary-policies").path("data");
        for (String file : policyDirectoryFiles()) {
            assertEquals(Files.readString(BASEDIR.resolve("policies").resolve(file)), data.path(file).asText(null),
                    "the ConfigMap holds policies/" + file + " unchanged");
        }
    }

    @Test
    void serviceMonitorDisruptionBudgetAndNetworkPolicyFindThePods() {
        assumeKubectl();
        JsonNode podLabels = one("Deployment", "aviary").at("/spec/template/metadata/labels");
        JsonNode service = one("Service", "aviary");
        assertTrue(selects(service.at("/spec/selector"), podLabels), "the Service selects the pods");
        JsonNode port = service.at("/spec/ports/0");
        assertEquals("http", port.path("name").asText());
        assertEquals(8080, port.path("port").asInt(), "the API, the status page and /q/metrics on 8080");
        assertEquals(1, service.at("/spec/ports").size(), "one port");

        JsonNode monitor = one("ServiceMonitor", "aviary");
        assertTrue(selects(monitor.at("/spec/selector/matchLabels"), service.at("/metadata/labels")), "the ServiceMonitor selects the Service");
        assertEquals("http", monitor.at("/spec/endpoints/0/port").asText());
        assertEquals("/q/metrics", monitor.at("/spec/endpoints/0/path").asText());

        JsonNode pdb = one("PodDisruptionBudget", "aviary");
        assertTrue(selects(pdb.at("/spec/selector/matchLabels"), podLabels), "the PodDisruptionBudget selects the pods");
        assertEquals(1, pdb.at("/spec/minAvailable").asInt(), "one replica always stays");

        JsonNode netpol = one("NetworkPolicy", "aviary");
        assertTrue(selects(netpol.at("/spec/podSelector/matchLabels"), podLabels), "the NetworkPolicy selects the pods");
        assertEquals(List.of("Ingress"), strings(netpol.at("/spec/policyTypes")), "ingress restricted, egress open (documented)");
        List<Integer> ports = new ArrayList<>();
        for (JsonNode rule : netpol.at("/spec/ingress")) {
            assertTrue(rule.path("ports").size() > 0, "every ingress rule names its ports");
            rule.path("ports").forEach(p -> ports.add(p.path("port").asInt()));
        }
        assertEquals(List.of(8080), ports, "ingress only to port 8080");
    }

    /** Needs no kubectl: kustomize lists files one by one, so the list must follow the directory. */
    @Test
    void thePolicyGeneratorListsEveryFileOfPolicies() throws IOException {
        JsonNode generator = YAML.readTree(BASEDIR.resolve("policies/Kustomization").toFile()).at("/configMapGenerator/0");
        assertEquals("aviary-policies", generator.path("name").asText());
        assertEquals("aviary-system", generator.path("namespace").asText());
        assertEquals(policyDirectoryFiles(), new TreeSet<>(strings(generator.path("files"))),
                "policies/Kustomization lists every file of policies/ (the ConfigMap is flat: subdirectories stay out)");
    }

    /** Needs no kubectl: the image and the Deployment agree on the uid, so runAsNonRoot holds and /tmp is writable. */
    @Test
    void theImageRunsAsTheDeploymentsUser() throws IOException {
        JsonNode pod = documents(Files.readString(BASEDIR.resolve("k8s/deployment.yaml"))).stream()
                .filter(d -> d.path("kind").asText().equals("Deployment")).findFirst().orElseThrow().at("/spec/template/spec");
        assertEquals(imageUser(), pod.at("/securityContext/runAsUser").asInt());
        assertTrue(imageUser() > 0, "not root");
    }

    private static int imageUser() {
        try {
            Matcher user = Pattern.compile("(?m)^USER (\\d+)").matcher(Files.readString(BASEDIR.resolve("src/main/docker/Dockerfile.jvm")));
            assertTrue(user.find(), "Dockerfile.jvm sets a numeric USER");
            return Integer.parseInt(user.group(1));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The top-level files of policies/ a ConfigMap can hold (its own Kustomization aside). */
    private static Set<String> policyDirectoryFiles() throws IOException {
        try (Stream<Path> s = Files.list(BASEDIR.resolve("policies"))) {
            return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).filter(n -> !n.equals("Kustomization"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static JsonNode one(String kind, String name) {
        return rendered.stream().filter(d -> d.path("kind").asText().equals(kind) && d.at("/metadata/name").asText().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("kubectl kustomize k8s/ renders no " + kind + " " + name));
    }

    private static String env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) if (e.path("name").asText().equals(name)) return e.path("value").asText();
        throw new AssertionError("the container sets no " + name);
    }

    private static String mountedAt(JsonNode container, String path) {
        for (JsonNode m : container.path("volumeMounts")) if (m.path("mountPath").asText().equals(path)) return m.path("name").asText();
        throw new AssertionError("nothing is mounted at " + path);
    }

    private static JsonNode volume(JsonNode pod, String name) {
        for (JsonNode v : pod.path("volumes")) if (v.path("name").asText().equals(name)) return v;
        throw new AssertionError("no volume " + name);
    }

    /** A selector matches labels when every pair of it is among them (and it is not empty). */
    private static boolean selects(JsonNode selector, JsonNode labels) {
        if (selector.isEmpty()) return false;
        for (Map.Entry<String, JsonNode> e : selector.properties()) {
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) return false;
        }
        return true;
    }

    private static List<String> strings(JsonNode array) {
        List<String> s = new ArrayList<>();
        array.forEach(v -> s.add(v.asText()));
        return s;
    }

    private static List<JsonNode> documents(String yaml) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode d = it.next();
                if (d != null && d.isObject()) docs.add(d);
            }
        }
        return docs;
    }

    private static void assumeKubectl() {
        assumeTrue(rendered != null, "kubectl is not installed: the rendered base is not checked (CI images have it)");
    }

    private static boolean onPath(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, command)));
    }
}
