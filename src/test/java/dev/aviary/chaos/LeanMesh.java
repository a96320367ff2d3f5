package dev.aviary.chaos;

import dev.aviary.sim.ArmBehaviour;
import dev.aviary.sim.IstioExporter;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The mesh for many rollouts at little cost: one watch of every VirtualService (instead of the sandbox simulator's
 * reads per service; the weights reach the mesh as Istio pushes them to Envoy, within moments), Poisson traffic per model split by the managed route's weights, each request
 * counted as Istio's sidecars count it ({@link IstioExporter}), for a real Prometheus to scrape. The baseline serves
 * well everywhere; each model's canary serves as its scenario says.
 */
final class LeanMesh implements AutoCloseable {

    private static final long TICK_MS = 100;
    /** The subsets (and the pods' version labels) of src/test/resources/chaos/model.yaml. */
    static final String BASELINE = "v1", CANARY = "v2";

    private final KubernetesClient client;
    private final double rps;
    private final ArmBehaviour baseline;
    private final Map<String, ArmBehaviour> canaries;
    private SharedIndexInformer<GenericKubernetesResource> routes;
    private final Random rng;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final IstioExporter istio = new IstioExporter(registry);
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lean-mesh");
        t.setDaemon(true);
        return t;
    });
    private HTTPServer server;

    /** @param canaries per model ("namespace/name" of its VirtualService), how its canary serves */
    LeanMesh(KubernetesClient client, double rps, ArmBehaviour baseline, Map<String, ArmBehaviour> canaries, long seed) {
        this.client = client;
        this.rps = rps;
        this.baseline = baseline;
        this.canaries = Map.copyOf(canaries);
        this.rng = new Random(seed);
    }

    LeanMesh start() throws IOException {
        server = HTTPServer.builder().hostname("127.0.0.1").port(0).registry(registry).buildAndStart();
        routes = client.genericKubernetesResources("networking.istio.io/v1alpha3", "VirtualService").inAnyNamespace().inform();
        executor.scheduleAtFixedRate(this::sendTraffic, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
        return this;
    }

    int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (server != null) server.close();
        if (routes != null) routes.close();
    }

    /** The canary subset's weight on the managed route ("primary"), 0 when it has none. */
    @SuppressWarnings("unchecked")
    static int canaryWeightOf(Object spec) {
        if (!(spec instanceof Map<?, ?>)) return 0;
        Map<String, Object> s = (Map<String, Object>) spec;
        for (Map<String, Object> http : (List<Map<String, Object>>) s.getOrDefault("http", List.of())) {
            if (!"primary".equals(http.get("name"))) continue;
            for (Map<String, Object> d : (List<Map<String, Object>>) http.getOrDefault("route", List.of())) {
                Map<String, Object> dest = (Map<String, Object>) d.get("destination");
                if (CANARY.equals(dest.get("subset")) && d.get("weight") instanceof Number w) return w.intValue();
            }
        }
        return 0;
    }

    private void sendTraffic() {
        for (GenericKubernetesResource vs : routes.getStore().list()) {
            String namespace = vs.getMetadata().getNamespace(), service = vs.getMetadata().getName();
            ArmBehaviour canary = canaries.get(namespace + "/" + service);
            if (canary == null) continue;
            int weight = canaryWeightOf(vs.getAdditionalProperties().get("spec"));
            long n = ArmBehaviour.poisson(rng, rps * TICK_MS / 1000.0);
            for (long i = 0; i < n; i++) {
                boolean toCanary = rng.nextInt(100) < weight;
                ArmBehaviour arm = toCanary ? canary : baseline;
                String version = toCanary ? CANARY : BASELINE;
                istio.served(service, namespace, service + "-" + version, version, arm.sampleError(rng) ? 503 : 200, arm.sampleLatencyMs(rng));
            }
        }
    }
}
