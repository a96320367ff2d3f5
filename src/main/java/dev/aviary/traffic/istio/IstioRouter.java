package dev.aviary.traffic.istio;

import dev.aviary.cache.ClusterReads;
import dev.aviary.cache.Kind;
import dev.aviary.traffic.JsonPatch;
import dev.aviary.traffic.Json;
import dev.aviary.policy.IstioTarget;
import dev.aviary.traffic.ArmEndpoints;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.TargetException;
import dev.aviary.traffic.TrafficRouter;
import dev.aviary.traffic.TrafficSplit;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Moves traffic on an Istio VirtualService by editing one http route's destination weights, an inserted header
 * route, a mirror and the routes that pin a request to one arm. Only the I/O is here (fetch, patch, map the API server's answers to {@link TargetException}s):
 * the edit itself is {@link VirtualServiceEdit}, subset labels are {@link DestinationRules}, the canary's identity
 * is {@link CanaryIdentity}.
 *
 * <p>Works on raw JSON maps ({@link GenericKubernetesResource}), not the typed fabric8 Istio model. The typed model
 * does round-trip unknown fields through additionalProperties, but it has one resource class per API version (three
 * code paths for one object), models StringMatch as a polymorphic oneOf wrapper, and a typed PUT rewrites the whole
 * object. Raw maps read the same under v1, v1beta1 and v1alpha3, and the write is a JSON Patch of exactly the managed
 * paths, which leaves every other field untouched by construction and needs only the {@code patch} verb.
 */
public final class IstioRouter implements TrafficRouter<IstioTarget> {

    private static final Logger LOG = Logger.getLogger(IstioRouter.class);

    private final KubernetesClient client;
    private final ClusterReads reads;
    private final DestinationRules rules;
    private final CanaryIdentity canaries;

    /** Reading from the API server on every call. */
    public IstioRouter(KubernetesClient client) {
        this(client, ClusterReads.direct(client));
    }

    /** Reading through {@code reads} (the daemon's watch cache); writes go to the API server. */
    public IstioRouter(KubernetesClient client, ClusterReads reads) {
        this.client = Objects.requireNonNull(client, "client");
        this.reads = Objects.requireNonNull(reads, "reads");
        this.rules = new DestinationRules(reads);
        this.canaries = new CanaryIdentity(client, reads, rules);
    }

    @Override
    public Class<IstioTarget> targetType() {
        return IstioTarget.class;
    }

    /**
     * VirtualServices and DestinationRules in every version tried, the Services and Deployments behind the canary
     * subset (read in the policy's namespace; a host in another namespace is read from the API server).
     */
    @Override
    public List<Kind<?>> watched() {
        List<Kind<?>> kinds = new ArrayList<>();
        for (String version : IstioApi.VERSIONS) {
            kinds.add(IstioApi.virtualServices(version));
            kinds.add(IstioApi.destinationRules(version));
        }
        kinds.add(CanaryIdentity.SERVICES);
        kinds.add(CanaryIdentity.DEPLOYMENTS);
        return kinds;
    }

    @Override
    public ArmLabels armLabels(IstioTarget t, String ns) throws TargetException {
        VirtualService vs = fetch(ns, t.virtualService());
        ManagedRoute m = ManagedRoute.resolve(vs.key(), ns, vs.http(), t);
        String canaryHost = m.host(m.canary());
        // Istio's destination_service_name is the host's short name; it keeps two models' v1/v2 apart
        String service = canaryHost.contains(".") ? canaryHost.substring(0, canaryHost.indexOf('.')) : canaryHost;
        if (t.baseline().version() != null && t.canary().version() != null) {
            return new ArmLabels(t.baseline().version(), t.canary().version(), service);
        }
        return new ArmLabels(
                rules.armLabel(t.baseline(), ns, m.host(m.baseline())),
                rules.armLabel(t.canary(), ns, canaryHost), service);
    }

    @Override
    public LiveTraffic read(IstioTarget t, String ns) throws TargetException {
        VirtualService vs = fetch(ns, t.virtualService());
        TrafficSplit split = VirtualServiceEdit.read(vs.key(), ns, vs.object(), t);
        ManagedRoute m = ManagedRoute.resolve(vs.key(), ns, vs.http(), t);
        String identity = canaries.of(ns, m.host(m.canary()), t.canary().subset());
        return new LiveTraffic(split, vs.resourceVersion(), true, identity);
    }

    @Override
    public String apply(IstioTarget t, String ns, TrafficSplit desired, String resourceVersion) throws TargetException {
        Objects.requireNonNull(resourceVersion, "resourceVersion: a write must be conditional on what was read");
        VirtualService vs = fetch(ns, t.virtualService());
        String current = vs.resourceVersion();
        JsonPatch patch;
        try {
            patch = VirtualServiceEdit.patch(vs.key(), ns, vs.object(), t, desired);
        } catch (TargetException.Invalid e) {
            // the object moved under us: the caller should re-read rather than report a broken target
            if (!resourceVersion.equals(current)) throw conflict(vs.key(), resourceVersion);
            throw e;
        }
        if (patch.isEmpty()) {
            if (resourceVersion.equals(current)) return current;
            throw conflict(vs.key(), resourceVersion);
        }
        // No client-side resourceVersion comparison: the server is the only arbiter that is not racy.
        String body = client.getKubernetesSerialization().asJson(patch.guardedBy(resourceVersion));
        try {
            GenericKubernetesResource updated = client.genericKubernetesResources(vs.kind().context())
                    .inNamespace(ns).withName(t.virtualService())
                    .patch(PatchContext.of(PatchType.JSON), body);
            reads.wrote(vs.kind(), resourceVersion, updated);
            LOG.debugf("patched VirtualService %s to %s: %s", vs.key(), desired.describe(), body);
            return updated.getMetadata().getResourceVersion();
        } catch (KubernetesClientException e) {
            switch (e.getCode()) {
                case 409 -> {
                    reads.conflicted(vs.kind(), ns, t.virtualService(), resourceVersion);
                    throw conflict(vs.key(), resourceVersion);
                }
                case 404 -> throw new TargetException.Invalid("VirtualService " + vs.key() + " not found");
                case 400, 422 -> throw new TargetException.Invalid("the API server rejected the change of VirtualService "
                        + vs.key() + " to " + desired.describe() + ": " + e.getMessage());
                default -> throw new TargetException("patching VirtualService " + vs.key() + " failed: "
                        + e.getMessage(), e);
            }
        }
    }

    /**
     * Each arm through the pin routes Aviary keeps while a shadow check needs them ({@link ArmPins}): requests to the
     * managed route's service carrying {@code x-aviary-arm: baseline|canary}. They take the pins only from a pod with
     * an Istio sidecar and only when the VirtualService is bound to the mesh; a gateway-only one is refused with what
     * to write.
     */
    @Override
    public ArmEndpoints endpoints(IstioTarget t, String ns, ArmLabels arms) throws TargetException {
        VirtualService vs = fetch(ns, t.virtualService());
        return ArmPins.endpoints(vs.key(), ns, vs.object(), t);
    }

    // ---- access --------------------------------------------------------------------------------------------------

    private VirtualService fetch(String ns, String name) throws TargetException {
        for (String version : IstioApi.VERSIONS) {
            Kind<GenericKubernetesResource> kind = IstioApi.virtualServices(version);
            try {
                GenericKubernetesResource r = reads.get(kind, ns, name);
                if (r != null) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> object = Json.deepCopyMap(client.getKubernetesSerialization().convertValue(r, Map.class));
                    return new VirtualService(kind, ns + "/" + name, object);
                }
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw new TargetException("reading VirtualService " + ns + "/" + name + " failed: " + e.getMessage(), e);
                }
            }
        }
        throw new TargetException.Invalid("VirtualService " + ns + "/" + name + " not found");
    }

    private static TargetException.Conflict conflict(String key, String resourceVersion) {
        return new TargetException.Conflict("VirtualService " + key + " changed since it was read at resourceVersion "
                + resourceVersion + "; re-read it and decide again");
    }

    /** A VirtualService as read: the version it was found under and a private, editable copy of the object. */
    private record VirtualService(Kind<GenericKubernetesResource> kind, String key, Map<String, Object> object) {

        String resourceVersion() {
            return Json.string(Json.map(object, "metadata"), "resourceVersion");
        }

        List<Object> http() {
            return VirtualServiceEdit.http(object);
        }
    }
}
