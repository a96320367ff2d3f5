package dev.aviary.sim;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * A stand-in for a service mesh in front of model servers: Poisson traffic routed the way Istio would route it,
 * by the VirtualService and DestinationRule it reads back from the Kubernetes API, with per-version error rates
 * and latencies, exposed as Istio's standard metrics for a real Prometheus to scrape. It is what the sandbox and
 * the end-to-end tests roll canaries out on.
 *
 * <p>Routing follows Istio: the first http route whose match fits the request wins; its destinations are picked
 * by weight; a subset resolves to the Deployments whose pods carry the Service's selector and the subset's labels,
 * and the pods' {@code version} label is what the metrics report. A subset the DestinationRule does not define, or
 * one no pods match, answers 503 (Istio's "NR" and "UH"): that is how a missing DestinationRule or a mislabelled
 * Deployment shows up in the metrics.
 */
public final class MeshSimulator implements AutoCloseable {

    static final String REQUEST_PATH = "/v1/models/model:predict";
    private static final long TICK_MS = 100;
    private static final List<String> ISTIO_VERSIONS = List.of("networking.istio.io/v1", "networking.istio.io/v1beta1",
        "networking.istio.io/v1alpha3");
    private static final Logger LOG = Logger.getLogger(MeshSimulator.class);

    /**
     * A service to send traffic to.
     *
     * @param apiVersion  the VirtualService's apiVersion as stored (networking.istio.io/v1alpha3, ...)
     * @param host        the destination host the routes name (short name)
     * @param rps         mean requests per second
     * @param headerShare share of requests carrying {@code header: headerValue} (a focused test group)
     * @param versions    how each version (the pods' version label) serves
     */
    public record Service(String namespace, String virtualService, String apiVersion, String host, double rps, String header,
            String headerValue, double headerShare, Map<String, ArmBehaviour> versions) {}

    private final KubernetesClient client;
    private final List<Service> services;
    private final Map<String, ArmBehaviour> behaviour = new ConcurrentHashMap<>();
    private final Map<String, Routing> routing = new ConcurrentHashMap<>();
    private final Random rng;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final IstioExporter istio;
    private final ScheduledExecutorService executor = Executors.newScheduledThreadPool(1, r -> {
        Thread t = new Thread(r, "mesh-simulator");
        t.setDaemon(true);
        return t;
    });
    private HTTPServer server;

    public MeshSimulator(KubernetesClient client, List<Service> services, long seed) {
        this.client = client;
        this.services = List.copyOf(services);
        this.rng = new Random(seed);
        for (Service s : services) s.versions().forEach((v, b) -> behaviour.put(key(s, v), b));
        istio = new IstioExporter(registry);
    }

    /** Start sending traffic and serving /metrics on a free loopback port. */
    public MeshSimulator start() throws IOException {
        server = HTTPServer.builder().hostname("127.0.0.1").port(0).registry(registry).buildAndStart();
        executor.scheduleAtFixedRate(this::refreshRouting, 0, 500, TimeUnit.MILLISECONDS);
        executor.scheduleAtFixedRate(this::sendTraffic, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
        return this;
    }

    /** The port /metrics is served on. */
    public int port() {
        return server.getPort();
    }

    /** Change how one version serves, while traffic flows (a canary going bad, a fix). */
    public void setBehaviour(String namespace, String virtualService, String version, ArmBehaviour b) {
        services.stream().filter(s -> s.namespace().equals(namespace) && s.virtualService().equals(virtualService))
                .forEach(s -> behaviour.put(key(s, version), b));
    }

    @Override
    public void close() {
        executor.shutdownNow();
        // a round already running would go on with the client the sandbox closes next, and log its failure
        try {
            executor.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (server != null) server.close();
    }

    private void refreshRouting() {
        for (Service s : services) {
            try {
                GenericKubernetesResource vs = client.genericKubernetesResources(s.apiVersion(), "VirtualService")
                        .inNamespace(s.namespace()).withName(s.virtualService()).get();
                io.fabric8.kubernetes.api.model.Service svc = client.services().inNamespace(s.namespace()).withName(s.host()).get();
                Map<String, String> selector = svc == null || svc.getSpec() == null || svc.getSpec().getSelector() == null
                        ? Map.of() : svc.getSpec().getSelector();
                Pods pods = new Pods(selector, client.apps().deployments().inNamespace(s.namespace()).list().getItems());
                routing.put(s.namespace() + "/" + s.virtualService(), Routing.of(vs, destinationRules(s.namespace()), pods, s.host()));
            } catch (RuntimeException e) {
                LOG.debugf("mesh simulator could not read routing of %s/%s: %s", s.namespace(), s.virtualService(), e.getMessage());
            }
        }
    }

    /** The namespace's DestinationRules under every Istio API version (users write any of them), newest first. */
    private List<GenericKubernetesResource> destinationRules(String namespace) {
        List<GenericKubernetesResource> out = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String version : ISTIO_VERSIONS) {
            for (GenericKubernetesResource dr : client.genericKubernetesResources(version, "DestinationRule").inNamespace(namespace).list()
                    .getItems()) {
                if (seen.add(dr.getMetadata().getName())) out.add(dr);
            }
        }
        return out;
    }

    private void sendTraffic() {
        try {
            for (Service s : services) {
                Routing r = routing.get(s.namespace() + "/" + s.virtualService());
                if (r == null) continue;
                long n = ArmBehaviour.poisson(rng, s.rps() * TICK_MS / 1000.0);
                for (long i = 0; i < n; i++) {
                    boolean tagged = s.header() != null && rng.nextDouble() < s.headerShare();
                    serve(s, r, tagged);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("mesh simulator tick failed", e);
        }
    }

    private void serve(Service s, Routing r, boolean tagged) {
        Routing.Route route = r.match(s.header(), tagged ? s.headerValue() : null);
        if (route == null) return; // Istio answers 404 for unmatched requests; nothing reaches a model
        record(s, route.pick(rng.nextInt(100)));
        if (route.mirror() != null && rng.nextDouble() * 100 < route.mirrorPercent()) {
            record(s, route.mirror());
        }
    }

    private void record(Service s, Pods.Backend backend) {
        if (backend == null) {
            // a subset the DestinationRule does not define (Istio's 503 NR) or without pods (UH): no model sees it
            istio.unrouted(s.host(), s.namespace());
            return;
        }
        ArmBehaviour b = behaviour.get(key(s, backend.version()));
        if (b == null) return;
        istio.served(s.host(), s.namespace(), backend.workload(), backend.version(), b.sampleError(rng) ? 503 : 200, b.sampleLatencyMs(rng));
    }

    private static String key(Service s, String version) {
        return s.namespace() + "/" + s.virtualService() + "/" + version;
    }

    /** The parts of a VirtualService, DestinationRule and Deployments that decide where a request goes. */
    record Routing(List<Route> routes) {

        record Condition(Map<String, Map<String, String>> headers, String uriPrefix, boolean unsupported) {
            boolean fits(String header, String value) {
                if (unsupported) return false;
                if (uriPrefix != null && !REQUEST_PATH.startsWith(uriPrefix)) return false;
                for (Map.Entry<String, Map<String, String>> h : headers.entrySet()) {
                    if (!h.getKey().equals(header) || value == null) return false;
                    Map<String, String> m = h.getValue();
                    if (m.containsKey("exact") && !m.get("exact").equals(value)) return false;
                    if (m.containsKey("prefix") && !value.startsWith(m.get("prefix"))) return false;
                    if (m.containsKey("regex") && !Pattern.matches(m.get("regex"), value)) return false;
                }
                return true;
            }
        }

        /** backends[i] gets weights[i] percent; a null backend answers 503 (no such subset, or no pods behind it). */
        record Route(List<Condition> conditions, List<Pods.Backend> backends, List<Integer> weights, Pods.Backend mirror,
                double mirrorPercent) {
            Pods.Backend pick(int percentile) {
                int acc = 0;
                for (int i = 0; i < backends.size(); i++) {
                    acc += weights.get(i);
                    if (percentile < acc) return backends.get(i);
                }
                return backends.isEmpty() ? null : backends.get(backends.size() - 1);
            }
        }

        Route match(String header, String value) {
            for (Route r : routes) {
                if (r.conditions().isEmpty() || r.conditions().stream().anyMatch(c -> c.fits(header, value))) return r;
            }
            return null;
        }

        @SuppressWarnings("unchecked")
        static Routing of(GenericKubernetesResource vs, List<GenericKubernetesResource> drs, Pods pods, String host) {
            Map<String, Pods.Backend> subsets = new java.util.HashMap<>();
            for (GenericKubernetesResource dr : drs) {
                Map<String, Object> spec = (Map<String, Object>) dr.getAdditionalProperties().get("spec");
                if (spec == null || !sameHost(String.valueOf(spec.get("host")), host)) continue;
                for (Map<String, Object> subset : (List<Map<String, Object>>) spec.getOrDefault("subsets", List.of())) {
                    Map<String, String> labels = new java.util.HashMap<>();
                    ((Map<String, Object>) subset.getOrDefault("labels", Map.of())).forEach((k, v) -> labels.put(k, String.valueOf(v)));
                    subsets.put(String.valueOf(subset.get("name")), pods.resolve(labels));
                }
            }
            List<Route> routes = new ArrayList<>();
            if (vs == null) return new Routing(routes);
            Map<String, Object> spec = (Map<String, Object>) vs.getAdditionalProperties().get("spec");
            for (Map<String, Object> http : (List<Map<String, Object>>) spec.getOrDefault("http", List.of())) {
                List<Condition> conditions = new ArrayList<>();
                for (Map<String, Object> m : (List<Map<String, Object>>) http.getOrDefault("match", List.of())) {
                    Map<String, Object> uri = (Map<String, Object>) m.get("uri");
                    boolean unsupported = m.keySet().stream().anyMatch(k -> !k.equals("headers") && !k.equals("uri") && !k.equals("name"))
                            || uri != null && !uri.containsKey("prefix");
                    conditions.add(new Condition((Map<String, Map<String, String>>) m.getOrDefault("headers", Map.of()),
                            uri == null ? null : String.valueOf(uri.get("prefix")), unsupported));
                }
                List<Pods.Backend> backends = new ArrayList<>();
                List<Integer> weights = new ArrayList<>();
                List<Map<String, Object>> dests = (List<Map<String, Object>>) http.getOrDefault("route", List.of());
                for (Map<String, Object> d : dests) {
                    Map<String, Object> dest = (Map<String, Object>) d.get("destination");
                    backends.add(subsets.get(String.valueOf(dest.get("subset"))));
                    Object w = d.get("weight");
                    weights.add(w == null ? (dests.size() == 1 ? 100 : 0) : ((Number) w).intValue());
                }
                Pods.Backend mirror = null;
                double mirrorPercent = 0;
                Map<String, Object> m = (Map<String, Object>) http.get("mirror");
                if (m != null) {
                    mirror = subsets.get(String.valueOf(m.get("subset")));
                    Map<String, Object> pct = (Map<String, Object>) http.get("mirrorPercentage");
                    mirrorPercent = pct == null ? 100 : ((Number) pct.get("value")).doubleValue();
                }
                routes.add(new Route(conditions, backends, weights, mirror, mirrorPercent));
            }
            return new Routing(routes);
        }

        private static boolean sameHost(String a, String b) {
            return a.equals(b) || a.startsWith(b + ".") || b.startsWith(a + ".");
        }
    }
}
