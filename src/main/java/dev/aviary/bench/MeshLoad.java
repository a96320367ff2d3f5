package dev.aviary.bench;

import dev.aviary.sim.ArmBehaviour;
import dev.aviary.sim.IstioExporter;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's mesh: Poisson traffic to every service, split by the managed route's weights and mirror as the
 * VirtualService says, exported as Istio's request counter and duration histogram ({@link IstioExporter}, the same
 * series the sandbox's mesh simulator writes) for a real Prometheus to scrape.
 *
 * <p>Why not {@code sim.MeshSimulator}: it re-reads each service's VirtualService, Service, Deployments and
 * DestinationRules (6 requests) every 500 ms, 12,000 requests per second at 1,000 services, which would load the mock API
 * server and the benchmark's two cores far beyond what Aviary itself asks. Here one watch of every VirtualService tells
 * the split; subsets are the fleet's fixed {@code v1}/{@code v2}, whose pods carry {@code version: v1}/{@code v2}.
 */
final class MeshLoad implements AutoCloseable {

    /** A service, its requests per second and how its baseline (v1) and canary (v2) serve. */
    record Service(String namespace, String name, double rps, ArmBehaviour baseline, ArmBehaviour canary) {}

    /** The managed route's split: percent to the canary, and percent of requests mirrored to it. */
    private record Split(int canaryPercent, double mirrorPercent) {}

    private static final String ISTIO_API = "networking.istio.io/v1alpha3";
    private final KubernetesClient client;
    private final List<Service> services;
    private final Map<String, Split> splits = new ConcurrentHashMap<>();
    private final Random rng;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final IstioExporter istio = new IstioExporter(registry);
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-mesh");
        t.setDaemon(true);
        return t;
    });
    private SharedIndexInformer<GenericKubernetesResource> informer;
    private HTTPServer server;

    MeshLoad(KubernetesClient client, List<Service> services, long seed) {
        this.client = client;
        this.services = List.copyOf(services);
        this.rng = new Random(seed);
    }

    /** Watch the VirtualServices, send traffic every second and serve /metrics on a free loopback port. */
    MeshLoad start() throws IOException {
        informer = client.genericKubernetesResources(ISTIO_API, "VirtualService").inAnyNamespace().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource vs) {
                read(vs);
            }

            @Override
            public void onUpdate(GenericKubernetesResource old, GenericKubernetesResource vs) {
                read(vs);
            }

            @Override
            public void onDelete(GenericKubernetesResource vs, boolean unknown) {
                splits.remove(vs.getMetadata().getNamespace() + "/" + vs.getMetadata().getName());
            }
        });
        server = HTTPServer.builder().hostname("127.0.0.1").port(0).registry(registry).buildAndStart();
        executor.scheduleAtFixedRate(this::sendTraffic, 1, 1, TimeUnit.SECONDS);
        return this;
    }

    int port() {
        return server.getPort();
    }

    /** The managed route: the http route whose destinations name the v2 subset, or the last route (Aviary's header route comes first). */
    @SuppressWarnings("unchecked")
    private void read(GenericKubernetesResource vs) {
        Map<String, Object> spec = (Map<String, Object>) vs.getAdditionalProperties().get("spec");
        List<Map<String, Object>> http = spec == null ? List.of() : (List<Map<String, Object>>) spec.getOrDefault("http", List.of());
        if (http.isEmpty()) return;
        Map<String, Object> route = http.get(http.size() - 1);
        int canary = 0;
        for (Map<String, Object> d : (List<Map<String, Object>>) route.getOrDefault("route", List.of())) {
            Map<String, Object> dest = (Map<String, Object>) d.get("destination");
            if (dest != null && "v2".equals(dest.get("subset")) && d.get("weight") instanceof Number w) canary = w.intValue();
        }
        double mirror = 0;
        Map<String, Object> m = (Map<String, Object>) route.get("mirror");
        if (m != null && "v2".equals(m.get("subset"))) {
            Map<String, Object> pct = (Map<String, Object>) route.get("mirrorPercentage");
            mirror = pct == null ? 100 : ((Number) pct.get("value")).doubleValue();
        }
        splits.put(vs.getMetadata().getNamespace() + "/" + vs.getMetadata().getName(), new Split(canary, mirror));
    }

    private void sendTraffic() {
        for (Service s : services) {
            Split split = splits.getOrDefault(s.namespace() + "/" + s.name(), new Split(0, 0));
            long n = ArmBehaviour.poisson(rng, s.rps());
            for (long i = 0; i < n; i++) {
                boolean toCanary = rng.nextInt(100) < split.canaryPercent();
                serve(s, toCanary ? "v2" : "v1", toCanary ? s.canary() : s.baseline());
                if (!toCanary && rng.nextDouble() * 100 < split.mirrorPercent()) serve(s, "v2", s.canary());
            }
        }
    }

    private void serve(Service s, String version, ArmBehaviour b) {
        istio.served(s.name(), s.namespace(), s.name() + "-" + version, version, b.sampleError(rng) ? 503 : 200, b.sampleLatencyMs(rng));
    }

    @Override
    public void close() {
        executor.shutdownNow();
        if (informer != null) informer.close();
        if (server != null) server.close();
    }
}
