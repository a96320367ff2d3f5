package dev.aviary.rollout;

import dev.aviary.cache.ClusterReads;
import dev.aviary.cache.Kind;
import dev.aviary.policy.Policy;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes CanaryRollout objects; every write is conditional on the resourceVersion that was read. Reads go
 * through {@link ClusterReads} (the daemon's watch cache, or the API server); a write that conflicts because the read
 * was stale is a {@link RolloutConflict}, and the next read of that object goes to the API server if the cache still
 * holds the stale version.
 */
public class RolloutRepository {

    /** Aviary creates every CanaryRollout with this label, and watches only those carrying it. */
    static final Map<String, String> MANAGED = Map.of("app.kubernetes.io/managed-by", "aviary");
    public static final Kind<CanaryRollout> KIND = Kind.of(CanaryRollout.class, MANAGED);

    private final KubernetesClient client;
    private final ClusterReads reads;

    /** Reading from the API server on every call. */
    public RolloutRepository(KubernetesClient client) {
        this(client, ClusterReads.direct(client));
    }

    public RolloutRepository(KubernetesClient client, ClusterReads reads) {
        this.client = client;
        this.reads = reads;
    }

    /** The policy's CanaryRollout, created in phase Pending when it does not exist yet. */
    public CanaryRollout getOrCreate(Policy policy) {
        CanaryRollout cr = get(policy.namespace(), policy.name());
        if (cr != null) return cr;
        CanaryRollout fresh = new CanaryRollout();
        fresh.setMetadata(new ObjectMetaBuilder().withName(policy.name()).withNamespace(policy.namespace())
                .withLabels(MANAGED).build());
        fresh.setSpec(new RolloutSpec(policy.name(), policy.source() == null ? null : policy.source().toString(),
                policy.target().describe()));
        fresh.setStatus(RolloutStatus.pending(policy));
        try {
            CanaryRollout created = client.resources(CanaryRollout.class).inNamespace(policy.namespace()).resource(fresh).create();
            reads.wrote(KIND, null, created);
            return created;
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                // it exists though the read said not (a stale cache, or one created without the label): read it through next
                reads.conflicted(KIND, policy.namespace(), policy.name(), null);
                throw new RolloutConflict("CanaryRollout " + policy.key() + " was created concurrently");
            }
            throw e;
        }
    }

    public CanaryRollout get(String namespace, String name) {
        return reads.get(KIND, namespace, name);
    }

    public List<CanaryRollout> list() {
        return client.resources(CanaryRollout.class).inAnyNamespace().list().getItems();
    }

    /** Write spec, status and annotations, only if nobody wrote since {@code cr} was read. */
    public CanaryRollout update(CanaryRollout cr) {
        String read = cr.getMetadata().getResourceVersion();
        Map<String, String> labels = cr.getMetadata().getLabels();
        if (labels == null || !labels.entrySet().containsAll(MANAGED.entrySet())) {
            // one made by hand: labelled on its first write, so the watch sees it from then on
            Map<String, String> managed = new HashMap<>(labels == null ? Map.of() : labels);
            managed.putAll(MANAGED);
            cr.getMetadata().setLabels(managed);
        }
        try {
            CanaryRollout updated = client.resources(CanaryRollout.class).inNamespace(cr.getMetadata().getNamespace()).resource(cr).update();
            reads.wrote(KIND, read, updated);
            return updated;
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                reads.conflicted(KIND, cr.getMetadata().getNamespace(), cr.getMetadata().getName(), read);
                throw new RolloutConflict("CanaryRollout " + cr.getMetadata().getNamespace() + "/" + cr.getMetadata().getName()
                        + " changed since it was read");
            }
            throw e;
        }
    }
}
