package dev.aviary.notify.kubernetes;

import dev.aviary.notify.Outbox;
import dev.aviary.rollout.RolloutEvent;
import dev.aviary.rollout.Decision;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * Records each decision as a Kubernetes Event on the CanaryRollout, so {@code kubectl describe canaryrollout}
 * and {@code kubectl get events} tell the story of a rollout next to its state.
 */
public final class KubernetesEvents implements Outbox.Channel {

    private static final int MAX_MESSAGE = 1024;
    private final KubernetesClient client;

    public KubernetesEvents(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public String name() {
        return "kubernetes-events";
    }

    @Override
    public List<Outbox.Delivery> deliveries(RolloutEvent e) {
        return List.of(new Outbox.Delivery("an Event on CanaryRollout " + e.policy(), () -> decisionEvent(e)));
    }

    private void decisionEvent(RolloutEvent e) {
        boolean warning = e.failure() || e.decision() == Decision.ROLLBACK || e.decision() == Decision.PAUSE;
        record(e.namespace(), e.policy().substring(e.policy().indexOf('/') + 1), e.failure() ? "TickFailed" : reason(e.decision()),
                warning, e.headline());
    }

    /** An Event on the CanaryRollout {@code namespace/rollout}: decisions, and the controls people asked for. */
    public void record(String namespace, String rollout, String reason, boolean warning, String message) {
        if (message.length() > MAX_MESSAGE) message = message.substring(0, MAX_MESSAGE - 3) + "...";
        String now = Instant.now().toString();
        client.v1().events().inNamespace(namespace).resource(new EventBuilder()
                .withNewMetadata().withGenerateName(rollout + ".").withNamespace(namespace).endMetadata()
                .withNewInvolvedObject().withApiVersion("aviary.dev/v1").withKind("CanaryRollout").withName(rollout)
                .withNamespace(namespace).endInvolvedObject()
                .withReason(reason)
                .withType(warning ? "Warning" : "Normal")
                .withMessage(message)
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                .withNewSource().withComponent("aviary").endSource()
                .build()).create();
    }

    static String reason(Decision d) {
        String s = d.name().toLowerCase(Locale.ROOT);
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
