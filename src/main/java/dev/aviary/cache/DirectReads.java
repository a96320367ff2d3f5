package dev.aviary.cache;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;

/** Every read is a request to the API server: for commands that run once, and where no watch covers the namespace. */
final class DirectReads implements ClusterReads {

    private final KubernetesClient client;

    DirectReads(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public <T extends HasMetadata> T get(Kind<T> kind, String namespace, String name) {
        return kind.in(client).inNamespace(namespace).withName(name).get();
    }

    @Override
    public <T extends HasMetadata> List<T> list(Kind<T> kind, String namespace) {
        return kind.in(client).inNamespace(namespace).list().getItems();
    }
}
