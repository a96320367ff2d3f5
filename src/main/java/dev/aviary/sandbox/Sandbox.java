package dev.aviary.sandbox;

import dev.aviary.sim.ArmBehaviour;
import dev.aviary.sim.MeshSimulator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;

/**
 * A cluster in a box: the fabric8 mock Kubernetes API in CRUD mode holding real-shaped Istio objects and
 * Deployments, a mesh simulator sending traffic by the weights it reads back from that API, and a real
 * Prometheus scraping the simulator. {@code ./aviary demo} and the end-to-end tests run Aviary against it.
 */
public final class Sandbox implements AutoCloseable {

    /**
     * What to put in the box.
     *
     * @param clusterResources classpath resources with the Kubernetes objects (multi-document YAML)
     * @param policyResources  classpath resources of policies, copied into the policies directory
     * @param services         the traffic to simulate
     */
    public record Spec(List<String> clusterResources, List<String> policyResources, List<MeshSimulator.Service> services, long seed) {}

    /** The demo: a good ResNet101 canary and a bad fraud-detector canary, side by side. */
    public static Spec demo() {
        ArmBehaviour resnet50 = new ArmBehaviour(0.01, 80, 0.5);
        ArmBehaviour resnet101 = new ArmBehaviour(0.005, 70, 0.5);
        ArmBehaviour xgb7 = new ArmBehaviour(0.01, 30, 0.5);
        ArmBehaviour xgb8 = new ArmBehaviour(0.05, 30, 0.5);
        String vs = "networking.istio.io/v1alpha3";
        return new Spec(
                List.of("sandbox/cluster/image-classifier.yaml", "sandbox/cluster/fraud-detector.yaml"),
                List.of("sandbox/policies/image-classifier.yaml", "sandbox/policies/fraud-detector.yaml"),
                List.of(new MeshSimulator.Service("default", "image-classifier", vs, "image-classifier", 100, "user-group", "canary", 0.2,
                                Map.of("v1", resnet50, "v2", resnet101)),
                        new MeshSimulator.Service("payments", "fraud-detector", vs, "fraud-detector", 100, "user-group", "canary", 0.2,
                                Map.of("v1", xgb7, "v2", xgb8))),
                42);
    }

    private final KubernetesMockServer api;
    private final NamespacedKubernetesClient client;
    private final MeshSimulator mesh;
    private final PrometheusServer prometheus;
    private final Path policies;

    private Sandbox(KubernetesMockServer api, NamespacedKubernetesClient client, MeshSimulator mesh, PrometheusServer prometheus,
            Path policies) {
        this.api = api;
        this.client = client;
        this.mesh = mesh;
        this.prometheus = prometheus;
        this.policies = policies;
    }

    public static Sandbox start(Path workDir, Spec spec) throws IOException {
        // fail before starting anything when Prometheus is missing, with the install command
        if (PrometheusServer.find().isEmpty()) throw new IOException(PrometheusServer.INSTALL_HINT);
        // CRUD for every object, plus expectations where a real API server computes an answer (TokenReview, ...)
        Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
        KubernetesMockServer api = new KubernetesMockServer(new Context(), new MockWebServer(), expectations,
                new KubernetesMixedDispatcher(expectations), false);
        api.init(InetAddress.getLoopbackAddress(), 0);
        NamespacedKubernetesClient client = api.createClient();
        MeshSimulator mesh = null;
        try {
            for (String resource : spec.clusterResources()) load(client, resource);
            Path policies = Files.createDirectories(workDir.resolve("policies"));
            for (String resource : spec.policyResources()) {
                try (InputStream in = resource(resource)) {
                    Files.copy(in, policies.resolve(Path.of(resource).getFileName().toString()),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            mesh = new MeshSimulator(client, spec.services(), spec.seed()).start();
            PrometheusServer prometheus = PrometheusServer.start(workDir.resolve("prometheus"), "127.0.0.1:" + mesh.port());
            return new Sandbox(api, client, mesh, prometheus, policies);
        } catch (IOException | RuntimeException e) {
            if (mesh != null) mesh.close();
            client.close();
            api.destroy();
            throw e;
        }
    }

    /** Create every object of a multi-document YAML resource in the mock API server. */
    public static void load(io.fabric8.kubernetes.client.KubernetesClient client, String resource) {
        try (InputStream in = resource(resource)) {
            for (HasMetadata o : client.load(in).items()) {
                client.resource(o).inNamespace(o.getMetadata().getNamespace()).create();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = Sandbox.class.getClassLoader().getResourceAsStream(name);
        if (in == null) throw new IOException("missing classpath resource " + name);
        return in;
    }

    /**
     * The Kubernetes client's own system properties (fabric8 reads them when it configures itself), pointing it
     * at the sandbox's API server. Quarkus' quarkus.kubernetes-client.* keys are fixed when the application is
     * built, so a prebuilt application is pointed elsewhere this way.
     */
    public Map<String, String> clientProperties() {
        return Map.of("kubernetes.master", apiServerUrl(), "kubernetes.trust.certificates", "true", "kubernetes.namespace", "default",
                "kubernetes.auth.tryKubeConfig", "false", "kubernetes.auth.tryServiceAccount", "false");
    }

    /** Aviary's configuration for this sandbox. */
    public Map<String, String> config() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("aviary.prometheus.url", prometheus.url());
        c.put("aviary.policies.dir", policies.toString());
        return c;
    }

    public String apiServerUrl() {
        return client.getConfiguration().getMasterUrl();
    }

    /** The mock API server itself, to answer what CRUD cannot (e.g. TokenReviews in tests). */
    public KubernetesMockServer apiServer() {
        return api;
    }

    public NamespacedKubernetesClient client() {
        return client;
    }

    public MeshSimulator mesh() {
        return mesh;
    }

    public PrometheusServer prometheus() {
        return prometheus;
    }

    public Path policies() {
        return policies;
    }

    @Override
    public void close() {
        prometheus.close();
        mesh.close();
        client.close();
        api.destroy();
    }
}
