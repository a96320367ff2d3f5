package dev.aviary.cache;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The daemon's reads, from informers: for each namespace that has a policy, one informer per kind its rollouts read
 * ({@link #follow}), so a tick that moves nothing sends no request. Reads in a namespace no informer covers, and reads
 * of an informer that has not synced or whose watch is down, go to the API server, as they would without a cache.
 * Nothing is watched until the engine asks: the CLI and one-shot commands start no informer.
 */
public final class WatchCache implements ClusterReads, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(WatchCache.class);

    private record Scope(String namespace, Kind<?> kind) {}

    private final KubernetesClient client;
    private final ClusterReads direct;
    private final Map<Scope, Informed<?>> informers = new ConcurrentHashMap<>();
    private final OwnWrites own = new OwnWrites();
    /** A watch that keeps failing to start (RBAC without watch, say) is said once, and again when the reason changes. */
    private final Map<Scope, String> failures = new ConcurrentHashMap<>();

    public WatchCache(KubernetesClient client) {
        this.client = client;
        this.direct = new DirectReads(client);
    }

    /**
     * Watch exactly these kinds in these namespaces: informers for what is new start, those for what is gone stop,
     * and one that failed to start is started again.
     */
    public synchronized void follow(Map<String, Set<Kind<?>>> wanted) {
        Set<String> before = namespaces();
        informers.entrySet().removeIf(e -> {
            Scope s = e.getKey();
            String failure = e.getValue().failure();
            if (failure != null && !failure.equals(failures.put(s, failure))) LOG.warn(failure);
            boolean keep = wanted.getOrDefault(s.namespace(), Set.of()).contains(s.kind()) && failure == null;
            if (!keep) e.getValue().stop();
            return !keep;
        });
        wanted.forEach((ns, kinds) -> kinds.forEach(kind -> informers.computeIfAbsent(new Scope(ns, kind),
                s -> Informed.start(client, s.kind(), s.namespace()))));
        Set<String> after = namespaces();
        for (String ns : before) {
            if (!after.contains(ns)) {
                own.forget(ns);
                failures.keySet().removeIf(s -> s.namespace().equals(ns));
                LOG.infof("namespace %s has no policy left: its watches stopped", ns);
            }
        }
        for (String ns : after) {
            if (!before.contains(ns)) LOG.infof("namespace %s has a policy: watching %s", ns, kindsIn(ns));
        }
    }

    /** The namespaces watched now. */
    public Set<String> namespaces() {
        Set<String> ns = new TreeSet<>();
        informers.keySet().forEach(s -> ns.add(s.namespace()));
        return ns;
    }

    /** Every informer of the namespace has synced (or found its API version not served). */
    public boolean synced(String namespace) {
        return informers.entrySet().stream().filter(e -> e.getKey().namespace().equals(namespace))
                .allMatch(e -> e.getValue().settled()) && namespaces().contains(namespace);
    }

    @Override
    public <T extends HasMetadata> T get(Kind<T> kind, String namespace, String name) {
        Informed<T> informed = informer(kind, namespace);
        if (informed == null) return direct.get(kind, namespace, name);
        if (informed.notServed()) return null;
        String key = key(kind, namespace, name);
        T cached = informed.current() ? informed.store().getByKey(namespace + "/" + name) : direct.get(kind, namespace, name);
        T object = own.resolve(key, cached, () -> direct.get(kind, namespace, name));
        return object == null ? null : client.getKubernetesSerialization().clone(object);
    }

    @Override
    public <T extends HasMetadata> List<T> list(Kind<T> kind, String namespace) {
        Informed<T> informed = informer(kind, namespace);
        if (informed == null || !(informed.current() || informed.notServed())) return direct.list(kind, namespace);
        List<T> copies = new ArrayList<>();
        for (T o : informed.store().list()) copies.add(client.getKubernetesSerialization().clone(o));
        return copies;
    }

    @Override
    public void wrote(Kind<?> kind, String replaced, HasMetadata written) {
        own.wrote(key(kind, written.getMetadata().getNamespace(), written.getMetadata().getName()), replaced, written);
    }

    @Override
    public void conflicted(Kind<?> kind, String namespace, String name, String resourceVersion) {
        own.conflicted(key(kind, namespace, name), resourceVersion);
    }

    @Override
    public synchronized void close() {
        informers.values().forEach(Informed::stop);
        informers.clear();
    }

    @SuppressWarnings("unchecked")
    private <T extends HasMetadata> Informed<T> informer(Kind<T> kind, String namespace) {
        return (Informed<T>) informers.get(new Scope(namespace, kind));
    }

    private List<String> kindsIn(String namespace) {
        return informers.keySet().stream().filter(s -> s.namespace().equals(namespace)).map(s -> s.kind().toString()).sorted().toList();
    }

    private static String key(Kind<?> kind, String namespace, String name) {
        return namespace + "/" + kind.id() + "/" + name;
    }
}
