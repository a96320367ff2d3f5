package dev.aviary.api;

import dev.aviary.api.auth.AccessReview;
import dev.aviary.api.auth.KubernetesAccessReview;
import dev.aviary.notify.kubernetes.KubernetesEvents;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Wires the control API's plain-Java parts. */
public class ApiBeans {

    @Produces
    @Singleton
    AccessReview accessReview(KubernetesClient client) {
        return new KubernetesAccessReview(client);
    }

    @Produces
    @Singleton
    KubernetesEvents events(KubernetesClient client) {
        return new KubernetesEvents(client);
    }
}
