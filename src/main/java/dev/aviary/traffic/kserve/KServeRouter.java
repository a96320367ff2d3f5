package dev.aviary.traffic.kserve;

import dev.aviary.cache.ClusterReads;
import dev.aviary.cache.Kind;
import dev.aviary.policy.KServeTarget;
import dev.aviary.traffic.ArmEndpoints;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.Json;
import dev.aviary.traffic.JsonPatch;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.TargetException;
import dev.aviary.traffic.TrafficRouter;
import dev.aviary.traffic.TrafficSplit;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Moves traffic on a KServe InferenceService ({@code serving.kserve.io/v1beta1}). Only the I/O is here: get the
 * object, pick its mode ({@link ServerlessCanary} or {@link StandardCanary}, told from the object), send the mode's
 * JSON Patch guarded by the resourceVersion the decision was made on, and map the API server's answers to
 * {@link TargetException}s. Raw JSON maps, as for Istio: the patch holds exactly the managed field, so nothing else
 * of the object (and never its metadata) is written, and it needs only the {@code get} and {@code patch} verbs (and
 * {@code list} and {@code watch} for the daemon's watch cache, {@link ClusterReads}).
 */
public final class KServeRouter implements TrafficRouter<KServeTarget> {

    private static final Logger LOG = Logger.getLogger(KServeRouter.class);

    static final ResourceDefinitionContext INFERENCE_SERVICES = new ResourceDefinitionContext.Builder()
            .withGroup("serving.kserve.io").withVersion("v1beta1").withKind("InferenceService").withPlural("inferenceservices")
            .withNamespaced(true).build();
    static final Kind<GenericKubernetesResource> KIND = Kind.generic(INFERENCE_SERVICES);

    /** Long enough for a webhook's whole sentence, short enough for a one-line status. */
    private static final int MAX_REASON = 300;

    private final KubernetesClient client;
    private final ClusterReads reads;
    private final CanaryMode serverless = new ServerlessCanary();
    private final CanaryMode standard = new StandardCanary();

    /** Reading from the API server on every call. */
    public KServeRouter(KubernetesClient client) {
        this(client, ClusterReads.direct(client));
    }

    /** Reading through {@code reads} (the daemon's watch cache); writes go to the API server. */
    public KServeRouter(KubernetesClient client, ClusterReads reads) {
        this.client = Objects.requireNonNull(client, "client");
        this.reads = Objects.requireNonNull(reads, "reads");
    }

    @Override
    public List<Kind<?>> watched() {
        return List.of(KIND);
    }

    @Override
    public Class<KServeTarget> targetType() {
        return KServeTarget.class;
    }

    @Override
    public ArmLabels armLabels(KServeTarget t, String ns) throws TargetException {
        InferenceService isvc = fetch(ns, t.inferenceService());
        return mode(isvc).arms(isvc, t.component());
    }

    @Override
    public LiveTraffic read(KServeTarget t, String ns) throws TargetException {
        InferenceService isvc = fetch(ns, t.inferenceService());
        return mode(isvc).read(isvc, t.component());
    }

    @Override
    public String apply(KServeTarget t, String ns, TrafficSplit desired, String resourceVersion) throws TargetException {
        Objects.requireNonNull(resourceVersion, "resourceVersion: a write must be conditional on what was read");
        if (desired.headerRoute() != null || desired.mirrorPercent() > 0 || desired.armPins()) {
            throw new TargetException.Invalid("KServe moves traffic by weight only; " + desired.describe() + " cannot be written");
        }
        InferenceService isvc = fetch(ns, t.inferenceService());
        String current = isvc.resourceVersion();
        JsonPatch patch;
        try {
            patch = mode(isvc).patch(isvc, t.component(), desired);
        } catch (TargetException.Invalid e) {
            if (!resourceVersion.equals(current)) throw conflict(isvc.key(), resourceVersion);
            throw e;
        }
        if (patch.isEmpty()) {
            if (resourceVersion.equals(current)) return current;
            throw conflict(isvc.key(), resourceVersion);
        }
        String body = client.getKubernetesSerialization().asJson(patch.guardedBy(resourceVersion));
        try {
            GenericKubernetesResource updated = client.genericKubernetesResources(INFERENCE_SERVICES)
                    .inNamespace(ns).withName(t.inferenceService()).patch(PatchContext.of(PatchType.JSON), body);
            reads.wrote(KIND, resourceVersion, updated);
            LOG.debugf("patched InferenceService %s to %s: %s", isvc.key(), desired.describe(), body);
            return updated.getMetadata().getResourceVersion();
        } catch (KubernetesClientException e) {
            switch (e.getCode()) {
                case 409 -> {
                    reads.conflicted(KIND, ns, t.inferenceService(), resourceVersion);
                    throw conflict(isvc.key(), resourceVersion);
                }
                case 404 -> throw gone(isvc.key());
                case 400, 422 -> throw new TargetException.Invalid("KServe rejected the change of InferenceService " + isvc.key()
                        + " to " + desired.describe() + ": " + reason(e));
                default -> throw new TargetException("patching InferenceService " + isvc.key() + " failed: " + reason(e), e);
            }
        }
    }

    /**
     * Each arm's own address in the cluster, derived from the InferenceService as read now: in Standard mode the
     * predictor Services, in Serverless mode the {@code prev}/{@code latest} tag routes when the user enabled tag
     * routing, else the revisions' Services ({@link StandardCanary#endpoints}, {@link ServerlessCanary#endpoints}).
     */
    @Override
    public ArmEndpoints endpoints(KServeTarget t, String ns, ArmLabels arms) throws TargetException {
        InferenceService isvc = fetch(ns, t.inferenceService());
        return mode(isvc).endpoints(isvc, t.component(), ns);
    }

    private CanaryMode mode(InferenceService isvc) {
        return isvc.mode() == InferenceService.Mode.STANDARD ? standard : serverless;
    }

    private InferenceService fetch(String ns, String name) throws TargetException {
        String key = ns + "/" + name;
        GenericKubernetesResource r;
        try {
            r = reads.get(KIND, ns, name);
        } catch (KubernetesClientException e) {
            throw new TargetException("reading InferenceService " + key + " failed: " + reason(e), e);
        }
        if (r == null) throw gone(key);
        @SuppressWarnings("unchecked")
        Map<String, Object> object = Json.deepCopyMap(client.getKubernetesSerialization().convertValue(r, Map.class));
        return new InferenceService(key, object);
    }

    /** The API server's (or KServe's webhook's) own words, one line. */
    private static String reason(KubernetesClientException e) {
        String message = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
        String line = String.valueOf(message).replaceAll("\\s+", " ").trim();
        return line.length() > MAX_REASON ? line.substring(0, MAX_REASON - 3) + "..." : line;
    }

    private static TargetException.Gone gone(String key) {
        return new TargetException.Gone("InferenceService " + key + " not found (deleted?)");
    }

    private static TargetException.Conflict conflict(String key, String resourceVersion) {
        return new TargetException.Conflict("InferenceService " + key + " changed since it was read at resourceVersion "
                + resourceVersion + "; re-read it and decide again");
    }
}
