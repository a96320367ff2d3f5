package dev.aviary.bench;

import dev.aviary.sandbox.PrometheusServer;
import dev.aviary.sandbox.Sandbox;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What the benchmark runs Aviary against: the sandbox's mock API server (fabric8, CRUD mode) holding the fleet's
 * objects, the fleet's mesh ({@link MeshLoad}) and a real Prometheus scraping it, logging every query it runs.
 */
final class BenchCluster implements AutoCloseable {

    /** How often Prometheus scrapes the mesh: Istio's sample configuration scrapes every 15 s. */
    static final Duration SCRAPE = Duration.ofSeconds(15);
    private static final int CREATORS = 4;

    private final KubernetesMockServer api;
    private final NamespacedKubernetesClient client;
    private final MeshLoad mesh;
    private final PrometheusServer prometheus;
    private final Path policies;
    private final Path queryLog;

    private BenchCluster(KubernetesMockServer api, NamespacedKubernetesClient client, MeshLoad mesh, PrometheusServer prometheus,
            Path policies, Path queryLog) {
        this.api = api;
        this.client = client;
        this.mesh = mesh;
        this.prometheus = prometheus;
        this.policies = policies;
        this.queryLog = queryLog;
    }

    static BenchCluster start(Path workDir, BenchFleet fleet, Consumer<String> progress) throws IOException {
        if (PrometheusServer.find().isEmpty()) throw new IOException(PrometheusServer.INSTALL_HINT);
        List<GenericKubernetesResource> objects = fleet.objects();
        progress.accept("starting a mock Kubernetes API server (fabric8, CRUD mode) and creating " + objects.size() + " objects");
        KubernetesMockServer api = Sandbox.mockApiServer();
        NamespacedKubernetesClient client = api.createClient();
        MeshLoad mesh = null;
        try {
            create(client, objects);
            Path policies = Files.createDirectories(workDir.resolve("policies"));
            for (Map.Entry<String, String> f : fleet.policyFiles().entrySet()) Files.writeString(policies.resolve(f.getKey()), f.getValue());
            progress.accept("starting the mesh: traffic to " + fleet.rollouts() + " services, split as their VirtualServices say");
            mesh = new MeshLoad(client, fleet.services(), 1).start();
            progress.accept("starting Prometheus, scraping the mesh every " + SCRAPE.toSeconds() + " s");
            Path queryLog = workDir.resolve("queries.log");
            PrometheusServer prometheus = PrometheusServer.start(workDir.resolve("prometheus"), SCRAPE, queryLog, "127.0.0.1:" + mesh.port());
            return new BenchCluster(api, client, mesh, prometheus, policies, queryLog);
        } catch (IOException | RuntimeException e) {
            if (mesh != null) mesh.close();
            client.close();
            api.destroy();
            throw e;
        }
    }

    /** Creates the objects a few at a time: one by one, 18,000 objects take minutes. */
    private static void create(NamespacedKubernetesClient client, List<GenericKubernetesResource> objects) throws IOException {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(CREATORS);
        try {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (GenericKubernetesResource o : objects) done.add(pool.submit(() -> Sandbox.create(client, o)));
            for (java.util.concurrent.Future<?> f : done) f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("could not create the fleet's objects in the mock API server: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while creating the fleet's objects");
        } finally {
            pool.shutdownNow();
        }
    }

    /** The system properties pointing Aviary at this cluster (fabric8's own, and Aviary's configuration). */
    Map<String, String> properties() {
        String master = client.getConfiguration().getMasterUrl();
        Map<String, String> p = new LinkedHashMap<>(Sandbox.clientProperties(master));
        p.put("aviary.prometheus.url", prometheus.url());
        p.put("aviary.policies.dir", policies.toString());
        p.put("aviary.leader-election.enabled", "false");
        p.put(BenchCommand.API_SERVER_PROPERTY, master);
        p.put(BenchCommand.QUERY_LOG_PROPERTY, queryLog.toString());
        return p;
    }

    @Override
    public void close() {
        prometheus.close();
        mesh.close();
        client.close();
        api.destroy();
    }
}
