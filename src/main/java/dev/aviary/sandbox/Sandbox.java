package dev.aviary.sandbox;

import dev.aviary.sim.MeshSimulator;
import dev.aviary.sim.kserve.KServeSimulator;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;

/**
 * A cluster in a box: the fabric8 mock Kubernetes API in CRUD mode holding real-shaped Istio objects,
 * Deployments and KServe InferenceServices, a mesh simulator sending traffic by the weights it reads back from that
 * API, a KServe simulator playing KServe's controller and sending traffic by the split KServe reports, and a real
 * Prometheus scraping both. {@code ./aviary demo} and the end-to-end tests run Aviary against it.
 */
public final class Sandbox implements AutoCloseable {

    /**
     * What to put in the box, from classpath resources (the end-to-end tests' clusters).
     *
     * @param clusterResources classpath resources with the Kubernetes objects (multi-document YAML)
     * @param policyResources  classpath resources of policies, copied into the policies directory
     * @param services         the traffic to simulate
     */
    public record Spec(List<String> clusterResources, List<String> policyResources, List<MeshSimulator.Service> services, long seed) {}

    /**
     * What to put in the box.
     *
     * @param objects     the Kubernetes objects, created in the mock API server as they are
     * @param policyFiles policy file name → content, written to the policies directory Aviary reads
     * @param services    the traffic to simulate through the mesh (VirtualServices)
     * @param inferenceServices the InferenceServices to play KServe for, and their traffic
     */
    public record Contents(List<GenericKubernetesResource> objects, Map<String, String> policyFiles, List<MeshSimulator.Service> services,
            List<KServeSimulator.Service> inferenceServices, long seed) {
        public Contents {
            objects = List.copyOf(objects);
            policyFiles = Map.copyOf(policyFiles);
            services = List.copyOf(services);
            inferenceServices = List.copyOf(inferenceServices);
        }

        public Contents(List<GenericKubernetesResource> objects, Map<String, String> policyFiles, List<MeshSimulator.Service> services,
                long seed) {
            this(objects, policyFiles, services, List.of(), seed);
        }
    }

    /**
     * How long the simulated Knative takes to start a revision and to program a route change: KServe's report lags that
     * much. Longer than the sandbox's shortest interval (2s), as a real route change is against a real interval: the
     * daemon then sees KServe not serving the split yet and restarts the step's window once it does. A lag shorter than
     * one interval is not seen at all, and the first look after a move mixes in the old split (see the report).
     */
    public static final java.time.Duration KNATIVE_SETTLE = java.time.Duration.ofSeconds(3);

    private final KubernetesMockServer api;
    private final NamespacedKubernetesClient client;
    private final MeshSimulator mesh;
    private final KServeSimulator kserve;
    private final PrometheusServer prometheus;
    private final Path policies;

    private Sandbox(KubernetesMockServer api, NamespacedKubernetesClient client, MeshSimulator mesh, KServeSimulator kserve,
            PrometheusServer prometheus, Path policies) {
        this.api = api;
        this.client = client;
        this.mesh = mesh;
        this.kserve = kserve;
        this.prometheus = prometheus;
        this.policies = policies;
    }

    public static Sandbox start(Path workDir, Spec spec) throws IOException {
        Manifests.Result cluster = Manifests.readResources(spec.clusterResources());
        if (!cluster.problems().isEmpty()) throw new IOException(String.join("; ", cluster.problems()));
        Map<String, String> policies = new LinkedHashMap<>();
        for (String resource : spec.policyResources()) {
            try (InputStream in = resource(resource)) {
                policies.put(Path.of(resource).getFileName().toString(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return start(workDir, new Contents(cluster.items().stream().map(Manifests.Item::object).toList(), policies, spec.services(),
                spec.seed()));
    }

    public static Sandbox start(Path workDir, Contents contents) throws IOException {
        // fail before starting anything when Prometheus is missing, with the install command
        if (PrometheusServer.find().isEmpty()) throw new IOException(PrometheusServer.INSTALL_HINT);
        // CRUD for every object, plus expectations where a real API server computes an answer (TokenReview, ...)
        Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
        KubernetesMockServer api = new KubernetesMockServer(new Context(), new MockWebServer(), expectations,
                new KubernetesMixedDispatcher(expectations), false);
        api.init(InetAddress.getLoopbackAddress(), 0);
        NamespacedKubernetesClient client = api.createClient();
        MeshSimulator mesh = null;
        KServeSimulator kserve = null;
        try {
            for (GenericKubernetesResource o : contents.objects()) create(client, o);
            Path policies = Files.createDirectories(workDir.resolve("policies"));
            for (Map.Entry<String, String> f : contents.policyFiles().entrySet()) {
                Files.writeString(policies.resolve(f.getKey()), f.getValue());
            }
            mesh = new MeshSimulator(client, contents.services(), contents.seed()).start();
            kserve = new KServeSimulator(client, contents.inferenceServices(), KNATIVE_SETTLE, java.time.Clock.systemUTC(),
                    contents.seed()).start();
            PrometheusServer prometheus = PrometheusServer.start(workDir.resolve("prometheus"), "127.0.0.1:" + mesh.port(),
                    "127.0.0.1:" + kserve.port());
            return new Sandbox(api, client, mesh, kserve, prometheus, policies);
        } catch (IOException | RuntimeException e) {
            if (mesh != null) mesh.close();
            if (kserve != null) kserve.close();
            client.close();
            api.destroy();
            throw e;
        }
    }

    /** Create every object of a multi-document YAML resource in the mock API server. */
    public static void load(KubernetesClient client, String resource) {
        Manifests.Result r = Manifests.readResources(List.of(resource));
        if (!r.problems().isEmpty()) throw new IllegalArgumentException(String.join("; ", r.problems()));
        r.items().forEach(i -> create(client, i.object()));
    }

    /** Create one object as written (raw JSON, whatever its kind), in its namespace. */
    static void create(KubernetesClient client, GenericKubernetesResource o) {
        client.genericKubernetesResources(Manifests.context(o)).inNamespace(o.getMetadata().getNamespace()).resource(o).create();
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

    /** KServe, Knative and the models behind the InferenceServices. */
    public KServeSimulator kserve() {
        return kserve;
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
        kserve.close();
        client.close();
        api.destroy();
    }
}
