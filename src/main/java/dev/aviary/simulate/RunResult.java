package dev.aviary.simulate;

/**
 * How one simulated rollout ended for one judge.
 *
 * @param seconds        from the start of the rollout to the decision
 * @param canaryFailures 5xx responses users received from the canary until then (mirrored copies excluded)
 * @param timedOut       the end came from the policy's maxStepDuration, not from a check
 */
public record RunResult(End end, long seconds, long canaryFailures, boolean timedOut) {

    public enum End {
        ROLLBACK,
        PROMOTE,
        /** Paused (policy onTimeout: pause) or still undecided at the simulation's horizon. */
        STALLED
    }
}
