package dev.aviary.cache;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;

/**
 * How the rollout and the routers read the cluster: straight from the API server ({@link #direct}, for the CLI and
 * one-shot commands) or from the daemon's watch caches ({@link WatchCache}). Every object returned is the caller's
 * own copy. Writes do not go through here (they stay resourceVersion-guarded requests); the writer reports them, so a
 * cache that has not yet heard of a write does not hand back the version it replaced.
 */
public interface ClusterReads {

    /** The object, or null when there is none (or its API version is not served). */
    <T extends HasMetadata> T get(Kind<T> kind, String namespace, String name);

    /** Every object of the kind in the namespace. */
    <T extends HasMetadata> List<T> list(Kind<T> kind, String namespace);

    /**
     * The caller wrote {@code written}, replacing the version {@code replaced} (null for a create): until the watch
     * brings it, a read returns it.
     */
    default void wrote(Kind<?> kind, String replaced, HasMetadata written) {}

    /**
     * A write guarded by {@code resourceVersion} conflicted: when the cache still holds that version at the next read,
     * that read goes to the API server once.
     */
    default void conflicted(Kind<?> kind, String namespace, String name, String resourceVersion) {}

    static ClusterReads direct(KubernetesClient client) {
        return new DirectReads(client);
    }
}
