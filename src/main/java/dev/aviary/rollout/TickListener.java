package dev.aviary.rollout;

import dev.aviary.policy.Policy;

/**
 * Hears the outcome of every tick, after it is carried out: the extension point for what watches rollouts without
 * steering them (Aviary's own metrics, the status page's series). Must return at once; whatever it throws is
 * dropped, so watching never holds up a rollout.
 */
public interface TickListener {

    /** Listens to nothing. */
    TickListener NONE = (policy, result) -> { };

    void ticked(Policy policy, RolloutController.TickResult result);

    /** Every one of {@code listeners}, in order; one that throws does not keep the tick from the others. */
    static TickListener all(java.util.List<TickListener> listeners) {
        java.util.List<TickListener> each = java.util.List.copyOf(listeners);
        return (policy, result) -> {
            for (TickListener l : each) {
                try {
                    l.ticked(policy, result);
                } catch (RuntimeException e) {
                    // watching never holds up a rollout, nor another watcher
                }
            }
        };
    }
}
