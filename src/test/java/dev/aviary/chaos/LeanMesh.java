package dev.aviary.chaos;

import dev.aviary.istio.IstioMetrics;
import dev.aviary.sim.ArmBehaviour;
import io.prometheus.metrics.core.metrics.Counter;
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
 * The mesh for many rollouts at little cost: one watch of every VirtualService (the weights reach the mesh as Istio
 * pushes them to Envoy, within moments), Poisson traffic per model split by the managed route's weights, counted in
 * Istio's request counter with the labels its sidecars give it, for a real Prometheus to scrape. The baseline serves
 * well everywhere; each model's canary serves as its scenario says. Only the counter: the run's policies judge error
 * rates, and without the duration histogram (twenty series per arm and code) a scrape of a hundred models stays small
 * enough for a loaded machine to finish within the 1 s scrape interval (a scrape that times out marks every series
 * stale, a fault this run does not mean to inject).
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
    private final Counter requests = Counter.builder().name(IstioMetrics.REQUESTS).help("Requests served, as Istio's sidecars count them")
            .labelNames("reporter", "source_workload", "destination_service_name", "destination_service_namespace", "destination_workload",
                    "destination_version", "response_code", "request_protocol").register(registry);
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
            long[][] served = new long[2][2]; // [baseline, canary][ok, 5xx]
            for (long i = 0; i < n; i++) {
                int arm = rng.nextInt(100) < weight ? 1 : 0;
                served[arm][(arm == 1 ? canary : baseline).sampleError(rng) ? 1 : 0]++;
            }
            for (int arm = 0; arm < 2; arm++) {
                String version = arm == 1 ? CANARY : BASELINE;
                for (int failed = 0; failed < 2; failed++) {
                    if (served[arm][failed] == 0) continue;
                    requests.labelValues("destination", "istio-ingressgateway", service, namespace, service + "-" + version, version,
                            failed == 1 ? "503" : "200", "http").inc(served[arm][failed]);
                }
            }
        }
    }
}
