package dev.aviary.daemon;

import dev.aviary.rollout.RolloutController;
import java.time.Duration;

/**
 * Hears every tick the engine ran, with its rollout: how late it started, how long it took and what it decided (the
 * scale benchmark listens here, to tell one rollout's ticks from another's). Called on the worker that ran the tick,
 * right after it; must return at once, and what it throws is dropped.
 */
public interface TickWatch {

    /** Watches nothing. */
    TickWatch NONE = (rollout, lag, took, result) -> { };

    /**
     * @param rollout the policy's key, namespace/name
     * @param lag     how late the tick started after its slot
     * @param took    how long it ran
     * @param result  what it decided; null when it failed or met a conflict
     */
    void ticked(String rollout, Duration lag, Duration took, RolloutController.TickResult result);
}
