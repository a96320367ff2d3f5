package dev.aviary.rollout;

/**
 * Tells people about a decision: the extension point for channels (Kubernetes Events, Slack, webhooks...).
 * {@link #publish} must return at once; delivery happens elsewhere, so a dead receiver never delays a rollback.
 */
public interface Notifier {

    void publish(RolloutEvent event);
}
