package dev.aviary.sim.kserve;

import dev.aviary.sim.ArmBehaviour;
import dev.aviary.sim.IstioExporter;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * KServe, Knative and the model servers behind InferenceServices, for the sandbox: plays KServe's controller on the
 * InferenceServices held in the (mock) Kubernetes API ({@link ServerlessReconciler}: revisions, the route, the status
 * KServe reports, after a settle delay), sends Poisson traffic split by the status' {@code traffic[]} (what KServe
 * reports is what users get, not the spec), each revision serving as its model does, and exports Knative's
 * queue-proxy metrics ({@link KnativeMetrics}) for a real Prometheus to scrape.
 */
public final class KServeSimulator implements AutoCloseable {

    public static final String API_VERSION = "serving.kserve.io/v1beta1";
    public static final String KIND = "InferenceService";
    static final ResourceDefinitionContext CONTEXT = new ResourceDefinitionContext.Builder().withGroup("serving.kserve.io")
            .withVersion("v1beta1").withKind(KIND).withPlural("inferenceservices").withNamespaced(true).build();
    /** Knative's default domain. */
    static final String DOMAIN = "example.com";
    private static final long TICK_MS = 100;
    private static final Logger LOG = Logger.getLogger(KServeSimulator.class);

    /**
     * An InferenceService to play KServe for.
     *
     * @param rps           mean requests per second
     * @param models        how each model (a container image or storageUri) serves
     * @param otherwise     how a model not in {@code models} serves
     * @param previousModel the model rolled out before the manifest's one (revision 00001), or null when the
     *                      manifest's model is the first; ignored when the object already carries KServe's status
     */
    public record Service(String namespace, String name, double rps, Map<String, ArmBehaviour> models, ArmBehaviour otherwise,
            String previousModel) {
        public Service {
            models = Map.copyOf(models);
        }
    }

    private final KubernetesClient client;
    private final List<Service> services;
    private final Duration settle;
    private final Clock clock;
    private final Random rng;
    private final Map<String, ServerlessReconciler> reconcilers = new ConcurrentHashMap<>();
    private final Map<String, StandardReconciler> standard = new ConcurrentHashMap<>();
    /** Per InferenceService, the split KServe reports: revision (Serverless) or predictor service (Standard) → percent. */
    private final Map<String, Map<String, Long>> split = new ConcurrentHashMap<>();
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Gauge requests;
    private final Histogram latencies;
    /** Standard mode has no Knative: the predictor services' Istio sidecars report the requests. */
    private final IstioExporter istio;
    private final ScheduledExecutorService executor = Executors.newScheduledThreadPool(1, r -> {
        Thread t = new Thread(r, "kserve-simulator");
        t.setDaemon(true);
        return t;
    });
    private HTTPServer server;

    /** @param settle how long Knative takes to start a revision, and to program a route change */
    public KServeSimulator(KubernetesClient client, List<Service> services, Duration settle, Clock clock, long seed) {
        this.client = client;
        this.services = List.copyOf(services);
        this.settle = settle;
        this.clock = clock;
        this.rng = new Random(seed);
        // a Gauge, not a Counter: Prometheus' Java client would expose a Counter as ..._total, and Knative's
        // OpenCensus exporter wrote revision_app_request_count as it is; only the name matters to a query
        requests = Gauge.builder().name(KnativeMetrics.REQUEST_COUNT).help("The number of requests that are routed to user-container")
                .labelNames(KnativeMetrics.LABELS).register(registry);
        latencies = Histogram.builder().name(KnativeMetrics.REQUEST_LATENCIES).help("The response time in millisecond").classicOnly()
                .classicUpperBounds(KnativeMetrics.latencyBucketsMs()).labelNames(KnativeMetrics.LABELS).register(registry);
        istio = new IstioExporter(registry);
    }

    /** Start reconciling, sending traffic and serving /metrics on a free loopback port. */
    public KServeSimulator start() throws IOException {
        server = HTTPServer.builder().hostname("127.0.0.1").port(0).registry(registry).buildAndStart();
        executor.scheduleWithFixedDelay(this::reconcileAll, 0, 200, TimeUnit.MILLISECONDS);
        executor.scheduleAtFixedRate(this::sendTraffic, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * The model under rollout (its first container's image, else a storageUri): the predictor's in Serverless mode,
     * the first spec.canary entry's (over the stable predictor's) in Standard mode.
     */
    public static String model(GenericKubernetesResource isvc) {
        return standard(isvc) ? StandardReconciler.canaryModel(isvc.getAdditionalProperties())
                : ServerlessReconciler.model(isvc.getAdditionalProperties());
    }

    /** Whether KServe runs the InferenceService in Standard (RawDeployment) mode: Deployments, spec.canary[]. */
    public static boolean standard(GenericKubernetesResource isvc) {
        return StandardReconciler.standard(isvc.getAdditionalProperties());
    }

    /** Whether the object carries a status KServe reported (the simulator then continues from it). */
    public static boolean reported(GenericKubernetesResource isvc) {
        return Json.map(isvc.getAdditionalProperties().get("status")).containsKey("components");
    }

    /** The port /metrics is served on. */
    public int port() {
        return server.getPort();
    }

    /** The split last read from an InferenceService's status (revision or predictor service → percent), empty before any. */
    public Map<String, Long> split(String namespace, String name) {
        return Map.copyOf(split.getOrDefault(namespace + "/" + name, Map.of()));
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

    private void reconcileAll() {
        for (Service s : services) {
            try {
                reconcile(s);
            } catch (KubernetesClientException e) {
                // a conflict with a concurrent write (Aviary's patch) is retried next round, as KServe's queue would
                LOG.debugf("kserve simulator could not reconcile %s/%s: %s", s.namespace(), s.name(), e.getMessage());
            } catch (RuntimeException e) {
                LOG.warnf(e, "kserve simulator could not reconcile %s/%s", s.namespace(), s.name());
            }
        }
    }

    private void reconcile(Service s) {
        String key = s.namespace() + "/" + s.name();
        GenericKubernetesResource isvc = client.genericKubernetesResources(CONTEXT).inNamespace(s.namespace()).withName(s.name()).get();
        if (isvc == null) {
            split.remove(key); // deleted: nothing serves
            reconcilers.remove(key);
            standard.remove(key);
            return;
        }
        Map<String, Object> json = new HashMap<>(isvc.getAdditionalProperties());
        json.put("metadata", client.getKubernetesSerialization().convertValue(isvc.getMetadata(), Map.class));
        if (StandardReconciler.standard(json)) {
            reconcileStandard(s, key, isvc, json);
            return;
        }
        split.put(key, split(Json.map(Json.map(Json.map(json.get("status")).get("components")).get("predictor")).get("traffic")));
        ServerlessReconciler r = reconcilers.computeIfAbsent(key, k -> adopt(s, json));
        Map<String, Object> status = r.reconcile(json, clock.instant());
        if (status.equals(json.get("status"))) return;
        isvc.getAdditionalProperties().put("status", status);
        client.genericKubernetesResources(CONTEXT).inNamespace(s.namespace()).resource(isvc).updateStatus();
    }

    /** Standard mode: the route follows spec.canary and the stored canaryStatuses, as KServe's HTTPRoute does. */
    private void reconcileStandard(Service s, String key, GenericKubernetesResource isvc, Map<String, Object> json) {
        split.put(key, StandardReconciler.split(json));
        StandardReconciler r = standard.computeIfAbsent(key, k -> adoptStandard(s, json));
        Map<String, Object> status = r.reconcile(json, clock.instant());
        if (status.equals(json.get("status"))) return;
        isvc.getAdditionalProperties().put("status", status);
        client.genericKubernetesResources(CONTEXT).inNamespace(s.namespace()).resource(isvc).updateStatus();
    }

    /** The stable predictor ran before; canaries KServe already reported ready are running too. */
    private StandardReconciler adoptStandard(Service s, Map<String, Object> isvc) {
        StandardReconciler r = new StandardReconciler(s.name(), s.namespace(), settle);
        r.seed(isvc);
        return r;
    }

    /** A reconciler that continues from what the object says already happened (its status), or from its history. */
    private ServerlessReconciler adopt(Service s, Map<String, Object> isvc) {
        ServerlessReconciler r = new ServerlessReconciler(s.name(), s.namespace(), DOMAIN, settle);
        Map<String, Object> predictor = Json.map(Json.map(Json.map(isvc.get("status")).get("components")).get("predictor"));
        int created = revisionNumber(predictor.get("latestCreatedRevision"));
        if (created > 0) {
            // KServe already reported revisions: the latest serves the spec's model, the earlier ones the previous one
            for (int n = 1; n < created; n++) r.knative().seed(List.of("earlier", n), s.previousModel() == null ? "unknown" : s.previousModel());
            r.knative().seed(ServerlessReconciler.template(isvc), ServerlessReconciler.model(isvc));
            List<TrafficTarget> traffic = new ArrayList<>();
            for (Object t : Json.list(predictor.get("traffic"))) {
                Map<String, Object> m = Json.map(t);
                traffic.add(new TrafficTarget((String) m.get("revisionName"), Boolean.TRUE.equals(m.get("latestRevision")),
                        m.get("percent") instanceof Number p ? p.longValue() : 0, (String) m.get("tag"), (String) m.get("url")));
            }
            r.knative().seedRoute(traffic);
        } else if (s.previousModel() != null) {
            // the manifest is the canary: its predecessor ran before, rolled out at 100%
            String rev = r.knative().seed(List.of("previous", s.previousModel()), s.previousModel());
            r.knative().seedRoute(List.of(new TrafficTarget(rev, true, 100, null, null)));
            Map<String, Object> status = new HashMap<>();
            status.put("components", Map.of("predictor", Map.of("latestRolledoutRevision", rev, "latestCreatedRevision", rev)));
            isvc.put("status", status);
        }
        return r;
    }

    private static int revisionNumber(Object revision) {
        if (!(revision instanceof String s) || s.length() < 5) return 0;
        try {
            return Integer.parseInt(s.substring(s.length() - 5));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Map<String, Long> split(Object traffic) {
        Map<String, Long> out = new HashMap<>();
        for (Object t : Json.list(traffic)) {
            Map<String, Object> m = Json.map(t);
            if (m.get("revisionName") instanceof String rev && m.get("percent") instanceof Number p) out.merge(rev, p.longValue(), Long::sum);
        }
        return out;
    }

    private void sendTraffic() {
        try {
            for (Service s : services) {
                String key = s.namespace() + "/" + s.name();
                Map<String, Long> weights = split.getOrDefault(key, Map.of());
                ServerlessReconciler r = reconcilers.get(key);
                StandardReconciler raw = standard.get(key);
                long total = weights.values().stream().mapToLong(Long::longValue).sum();
                if (r == null && raw == null || total <= 0) continue;
                long n = ArmBehaviour.poisson(rng, s.rps() * TICK_MS / 1000.0);
                for (long i = 0; i < n; i++) {
                    if (raw != null) serve(s, raw, pick(weights, total));
                    else serve(s, r, pick(weights, total));
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("kserve simulator tick failed", e);
        }
    }

    private String pick(Map<String, Long> weights, long total) {
        long x = (long) (rng.nextDouble() * total), acc = 0;
        String last = null;
        for (Map.Entry<String, Long> e : new java.util.TreeMap<>(weights).entrySet()) {
            acc += e.getValue();
            last = e.getKey();
            if (x < acc) return last;
        }
        return last;
    }

    private void serve(Service s, ServerlessReconciler r, String revision) {
        KnativeService.Revision rev = r.knative().revision(revision);
        ArmBehaviour b = rev == null ? s.otherwise() : s.models().getOrDefault(rev.model(), s.otherwise());
        int code = b.sampleError(rng) ? 503 : 200;
        String ksvc = r.knative().name();
        String[] labels = {s.namespace(), ksvc, ksvc, revision, revision + "-deployment-" + podSuffix(revision), "queue-proxy",
            Integer.toString(code), code / 100 + "xx"};
        requests.labelValues(labels).inc();
        latencies.labelValues(labels).observe(b.sampleLatencyMs(rng));
    }

    /** One request to a predictor service: its sidecar reports it; a service without available pods answers 503. */
    private void serve(Service s, StandardReconciler r, String service) {
        String model = r.serving(service);
        if (model == null) {
            istio.unrouted(service, s.namespace());
            return;
        }
        ArmBehaviour b = s.models().getOrDefault(model, s.otherwise());
        // KServe names the Deployment like the Service, so the workload is the predictor service's name too
        istio.served(service, s.namespace(), service, r.version(service), b.sampleError(rng) ? 503 : 200, b.sampleLatencyMs(rng));
    }

    /** A stable made-up ReplicaSet and pod hash, as Kubernetes names a Deployment's pods. */
    private static String podSuffix(String revision) {
        String h = Integer.toHexString(revision.hashCode() & 0x7fffffff);
        return (h + "00000000").substring(0, 8) + "-" + (h + "xxxxx").substring(0, 5).replace('x', 'q');
    }
}
