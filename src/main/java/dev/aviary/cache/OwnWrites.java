package dev.aviary.cache;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What the cache must not hand back although it still holds it: a version this process replaced (its own write has
 * not come through the watch yet), and a version a write found stale (read through once instead). Without the first,
 * the tick after a move would see the old weights and take Aviary's own patch for a person's edit.
 */
final class OwnWrites {

    /** Our last write, and every version our writes replaced since the cache last caught up (a tick writes twice). */
    private record Written(Set<String> replaced, HasMetadata object) {}

    private final Map<String, Written> written = new ConcurrentHashMap<>();
    private final Map<String, String> stale = new ConcurrentHashMap<>();

    void wrote(String key, String replaced, HasMetadata object) {
        String version = Objects.requireNonNullElse(replaced, "");
        written.compute(key, (k, last) -> {
            Set<String> chain = new HashSet<>();
            if (last != null && version.equals(last.object().getMetadata().getResourceVersion())) chain.addAll(last.replaced());
            chain.add(version);
            return new Written(Set.copyOf(chain), object);
        });
        stale.remove(key);
    }

    void conflicted(String key, String resourceVersion) {
        stale.put(key, resourceVersion == null ? "" : resourceVersion);
    }

    /**
     * What a read of {@code key} returns, given what the cache holds: the cached object, unless it is a version known
     * to be replaced (then our write, or the API server's answer).
     */
    @SuppressWarnings("unchecked")
    <T extends HasMetadata> T resolve(String key, T cached, Supplier<T> readThrough) {
        String version = cached == null ? "" : Objects.requireNonNullElse(cached.getMetadata().getResourceVersion(), "");
        String staleVersion = stale.remove(key);
        if (staleVersion != null && staleVersion.equals(version)) {
            T fresh = readThrough.get();
            if (fresh != null) written.put(key, new Written(Set.of(version), fresh));
            return fresh;
        }
        Written w = written.get(key);
        if (w == null) return cached;
        if (w.replaced().contains(version)) return (T) w.object();
        written.remove(key, w); // the watch has brought our write, or something newer
        return cached;
    }

    /** The namespace is no longer watched: nothing known about it stays. */
    void forget(String namespace) {
        written.keySet().removeIf(k -> k.startsWith(namespace + "/"));
        stale.keySet().removeIf(k -> k.startsWith(namespace + "/"));
    }
}
