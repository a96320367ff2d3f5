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
}
