package dev.aviary.rollout;

import dev.aviary.policy.Policy;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.List;
import java.util.Map;

/** Reads and writes CanaryRollout objects; every write is conditional on the resourceVersion that was read. */
public class RolloutRepository {

    private final KubernetesClient client;

    public RolloutRepository(KubernetesClient client) {
        this.client = client;
    }

    /** The policy's CanaryRollout, created in phase Pending when it does not exist yet. */
    public CanaryRollout getOrCreate(Policy policy) {
        CanaryRollout cr = get(policy.namespace(), policy.name());
        if (cr != null) return cr;
        CanaryRollout fresh = new CanaryRollout();
        fresh.setMetadata(new ObjectMetaBuilder().withName(policy.name()).withNamespace(policy.namespace())
                .withLabels(Map.of("app.kubernetes.io/managed-by", "aviary")).build());
        fresh.setSpec(new RolloutSpec(policy.name(), policy.source() == null ? null : policy.source().toString(),
                policy.target().describe()));
        fresh.setStatus(RolloutStatus.pending(policy));
        try {
            return client.resources(CanaryRollout.class).inNamespace(policy.namespace()).resource(fresh).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) throw new RolloutConflict("CanaryRollout " + policy.key() + " was created concurrently");
            throw e;
        }
    }

    public CanaryRollout get(String namespace, String name) {
        return client.resources(CanaryRollout.class).inNamespace(namespace).withName(name).get();
    }

    public List<CanaryRollout> list() {
        return client.resources(CanaryRollout.class).inAnyNamespace().list().getItems();
    }

    /** Write spec, status and annotations, only if nobody wrote since {@code cr} was read. */
    public CanaryRollout update(CanaryRollout cr) {
        try {
            return client.resources(CanaryRollout.class).inNamespace(cr.getMetadata().getNamespace()).resource(cr).update();
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                throw new RolloutConflict("CanaryRollout " + cr.getMetadata().getNamespace() + "/" + cr.getMetadata().getName()
                        + " changed since it was read");
            }
            throw e;
        }
    }
}
