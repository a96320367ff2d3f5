package dev.aviary.cache;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Store;
import java.net.HttpURLConnection;

/**
 * One informer: every object of one kind in one namespace, listed once and then kept current by a watch. Started
 * without waiting (the first list runs in the background); until it has synced, and whenever its watch is down,
 * it is not {@link #current()} and reads go to the API server instead.
 */
final class Informed<T extends HasMetadata> {

    enum State { STARTING, SYNCED, NOT_SERVED, FAILED }

    private final Kind<T> kind;
    private final String namespace;
    private final SharedIndexInformer<T> informer;
    private volatile State state = State.STARTING;
    private volatile String failure;

    private Informed(Kind<T> kind, String namespace, SharedIndexInformer<T> informer) {
        this.kind = kind;
        this.namespace = namespace;
        this.informer = informer;
    }

    static <T extends HasMetadata> Informed<T> start(KubernetesClient client, Kind<T> kind, String namespace) {
        var scope = kind.in(client).inNamespace(namespace);
        SharedIndexInformer<T> informer = (kind.labels().isEmpty() ? scope : scope.withLabels(kind.labels())).runnableInformer(0);
        Informed<T> informed = new Informed<>(kind, namespace, informer);
        informer.start().whenComplete((ok, error) -> informed.started(error));
        return informed;
    }

    private void started(Throwable error) {
        if (error == null) {
            state = State.SYNCED;
            return;
        }
        Throwable cause = error.getCause() != null ? error.getCause() : error;
        if (cause instanceof KubernetesClientException e && e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
            // this API version is not served here (an older Istio, no KServe): nothing of it exists, as a GET would say
            state = State.NOT_SERVED;
            return;
        }
        failure = "cannot watch " + kind + " in namespace " + namespace + " (" + cause.getMessage()
                + "); reading them from the API server on every tick";
        state = State.FAILED;
    }

    /** The store holds what the API server holds, give or take the watch's delay. */
    boolean current() {
        return state == State.SYNCED && informer.isWatching();
    }

    boolean notServed() {
        return state == State.NOT_SERVED;
    }

    /** Why it never synced (for a reason other than a missing API version: worth another start); null if it did. */
    String failure() {
        return state == State.FAILED ? failure : null;
    }

    /** Synced, or known to have nothing to sync. */
    boolean settled() {
        return state == State.SYNCED || state == State.NOT_SERVED;
    }

    Store<T> store() {
        return informer.getStore();
    }

    void stop() {
        informer.stop();
    }
}
