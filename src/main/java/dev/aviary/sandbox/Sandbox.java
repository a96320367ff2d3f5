package dev.aviary.sandbox;

import dev.aviary.sandbox.fraud.FraudModel;
import dev.aviary.sandbox.fraud.FraudModels;
import dev.aviary.sandbox.fraud.ModelServer;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A cluster in a box: the fabric8 mock Kubernetes API in CRUD mode holding real-shaped Istio objects,
 * Deployments and KServe InferenceServices, a mesh simulator sending traffic by the weights it reads back from that
 * API, a KServe simulator playing KServe's controller and sending traffic by the split KServe reports, a real
 * Prometheus scraping both, and, for replay checks, real fraud models served over HTTP. {@code ./aviary demo} and the
 * end-to-end tests run Aviary against it.
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
     * @param files       other files the policies name (payloads), path relative to the policies directory → content
     * @param modelServers the fraud model servers to run for the policies' replay checks
     */
    public record Contents(List<GenericKubernetesResource> objects, Map<String, String> policyFiles, List<MeshSimulator.Service> services,
            List<KServeSimulator.Service> inferenceServices, Map<String, String> files, List<ModelServing> modelServers, long seed) {
        public Contents {
            objects = List.copyOf(objects);
            policyFiles = Map.copyOf(policyFiles);
            services = List.copyOf(services);
            inferenceServices = List.copyOf(inferenceServices);
            files = Map.copyOf(files);
            modelServers = List.copyOf(modelServers);
        }

        public Contents(List<GenericKubernetesResource> objects, Map<String, String> policyFiles, List<MeshSimulator.Service> services,
                List<KServeSimulator.Service> inferenceServices, long seed) {
            this(objects, policyFiles, services, inferenceServices, Map.of(), List.of(), seed);
        }

        public Contents(List<GenericKubernetesResource> objects, Map<String, String> policyFiles, List<MeshSimulator.Service> services,
                long seed) {
            this(objects, policyFiles, services, List.of(), seed);
        }
    }

    /**
     * A fraud model server ({@link ModelServer}) the sandbox runs on a free loopback port. The sandbox has no cluster
     * DNS, so the policies name it by {@code url}, a made-up address, and are written with the server's real one.
     *
     * @param url       how the policies name the server, e.g. {@code http://xgb.fraud-models.sandbox}
     * @param modelName the name it serves under (the V1 and V2 paths' model)
     * @param model     which of {@link FraudModels}: xgb, rf or rf-cents
     */
    public record ModelServing(String url, String modelName, String model) {}

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
    private final List<ModelServer> models;
    private final PrometheusServer prometheus;
    private final Path policies;

    private Sandbox(KubernetesMockServer api, NamespacedKubernetesClient client, MeshSimulator mesh, KServeSimulator kserve,
            List<ModelServer> models, PrometheusServer prometheus, Path policies) {
        this.api = api;
        this.client = client;
        this.mesh = mesh;
        this.kserve = kserve;
        this.models = List.copyOf(models);
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
        return start(workDir, contents, line -> {});
    }

    /** @param progress told what starts, one line each, as it starts (the demo prints them: some take seconds) */
    public static Sandbox start(Path workDir, Contents contents, Consumer<String> progress) throws IOException {
        // fail before starting anything when Prometheus is missing, with the install command
        if (PrometheusServer.find().isEmpty()) throw new IOException(PrometheusServer.INSTALL_HINT);
        progress.accept("starting a mock Kubernetes API server (fabric8, CRUD mode) holding " + contents.objects().size() + " objects");
        KubernetesMockServer api = mockApiServer();
        NamespacedKubernetesClient client = api.createClient();
        MeshSimulator mesh = null;
        KServeSimulator kserve = null;
        List<ModelServer> models = new ArrayList<>();
        try {
            for (GenericKubernetesResource o : contents.objects()) create(client, o);
            if (!contents.modelServers().isEmpty()) {
                progress.accept("training the fraud models and serving " + contents.modelServers().size() + " of them over HTTP");
            }
            Map<String, String> addresses = startModelServers(contents.modelServers(), contents.seed(), models);
            Path policies = Files.createDirectories(workDir.resolve("policies"));
            for (Map.Entry<String, String> f : contents.policyFiles().entrySet()) {
                String text = f.getValue();
                for (Map.Entry<String, String> a : addresses.entrySet()) text = text.replace(a.getKey(), a.getValue());
                Files.writeString(policies.resolve(f.getKey()), text);
            }
            for (Map.Entry<String, String> f : contents.files().entrySet()) {
                Path file = policies.resolve(f.getKey()).normalize();
                if (!file.startsWith(policies)) throw new IOException(f.getKey() + ": outside the policies directory");
                Files.createDirectories(file.getParent());
                Files.writeString(file, f.getValue());
            }
            if (!contents.services().isEmpty()) {
                progress.accept("starting the mesh simulator: traffic to " + contents.services().size() + " services, split as the API says");
            }
            mesh = new MeshSimulator(client, contents.services(), contents.seed()).start();
            if (!contents.inferenceServices().isEmpty()) {
                progress.accept("starting the KServe simulator: " + contents.inferenceServices().size() + " InferenceServices and their traffic");
            }
            kserve = new KServeSimulator(client, contents.inferenceServices(), KNATIVE_SETTLE, java.time.Clock.systemUTC(),
                    contents.seed()).start();
            progress.accept("starting Prometheus, scraping the simulators every second");
            PrometheusServer prometheus = PrometheusServer.start(workDir.resolve("prometheus"), "127.0.0.1:" + mesh.port(),
                    "127.0.0.1:" + kserve.port());
            return new Sandbox(api, client, mesh, kserve, models, prometheus, policies);
        } catch (IOException | RuntimeException e) {
            if (mesh != null) mesh.close();
            if (kserve != null) kserve.close();
            models.forEach(ModelServer::close);
            client.close();
            api.destroy();
            throw e;
        }
    }

    /** fabric8's mock API server on a free loopback port, started: CRUD for every object, plus expectations. */
    public static KubernetesMockServer mockApiServer() {
        // CRUD for every object, plus expectations where a real API server computes an answer (TokenReview, ...)
        Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
        KubernetesMockServer api = new KubernetesMockServer(new Context(), new MockWebServer(), expectations,
                new KubernetesMixedDispatcher(expectations), false);
        api.init(InetAddress.getLoopbackAddress(), 0);
        return api;
    }

    /**
     * Trains the fraud models once (when any server is asked for) and starts one server per entry, added to {@code
     * started}; returns each server's made-up URL → its real one.
     */
    private static Map<String, String> startModelServers(List<ModelServing> servers, long seed, List<ModelServer> started)
            throws IOException {
        Map<String, String> addresses = new LinkedHashMap<>();
        if (servers.isEmpty()) return addresses;
        FraudModels trained = FraudModels.train(FraudModels.SEED);
        for (ModelServing s : servers) {
            FraudModel model = Stream.of(trained.baseline(), trained.goodCanary(), trained.badCanary())
                    .filter(m -> m.name().equals(s.model())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no fraud model " + s.model() + "; there are xgb, rf and rf-cents"));
            ModelServer server = ModelServer.start(s.modelName(), model, ModelServer.Behaviour.HEALTHY, seed + started.size());
            started.add(server);
            addresses.put(s.url(), server.uri().toString());
        }
        return addresses;
    }

    /** Create every object of a multi-document YAML resource in the mock API server. */
    public static void load(KubernetesClient client, String resource) {
        Manifests.Result r = Manifests.readResources(List.of(resource));
        if (!r.problems().isEmpty()) throw new IllegalArgumentException(String.join("; ", r.problems()));
        r.items().forEach(i -> create(client, i.object()));
    }

    /** Create one object as written (raw JSON, whatever its kind), in its namespace. */
    public static void create(KubernetesClient client, GenericKubernetesResource o) {
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
        return clientProperties(apiServerUrl());
    }

    /** The Kubernetes client's own system properties pointing it at the API server {@code master}, and nowhere else. */
    public static Map<String, String> clientProperties(String master) {
        return Map.of("kubernetes.master", master, "kubernetes.trust.certificates", "true", "kubernetes.namespace", "default",
                "kubernetes.auth.tryKubeConfig", "false", "kubernetes.auth.tryServiceAccount", "false");
    }

    /** Aviary's configuration for this sandbox. */
    public Map<String, String> config() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("aviary.prometheus.url", prometheus.url());
        c.put("aviary.policies.dir", policies.toString());
        // time runs faster here and the rehearsal prints what the CanaryRollouts say: every changed hold is written
        c.put("aviary.status.refresh", "0s");
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

    /** The fraud model servers the policies' replay checks call, in {@link Contents#modelServers()}' order. */
    public List<ModelServer> modelServers() {
        return models;
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
        models.forEach(ModelServer::close);
        client.close();
        api.destroy();
    }
}
