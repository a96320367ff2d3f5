package dev.aviary.simulate;

/**
 * How one simulated rollout ended for one judge.
 *
 * @param seconds        from the start of the rollout to the decision
 * @param canaryFailures 5xx responses the canary served until then, mirrored copies included (its evidence)
 * @param userFailures   of those, the ones users received: 0 in a mirror step, where the canary's answers reach no one
 * @param timedOut       the end came from the policy's maxStepDuration, not from a check
 */
public record RunResult(End end, long seconds, long canaryFailures, long userFailures, boolean timedOut) {

    public enum End {
        ROLLBACK,
        PROMOTE,
        /** Paused (policy onTimeout: pause, an inconclusive analysis) or still undecided at the simulation's horizon. */
        STALLED
    }

    /** Counts the canary's 5xx of one second as a judge walks the plan: all of them, and those users received. */
    static final class Failures {
        private long canary;
        private long users;

        void add(ArmSecond canarySecond, PlanStep step) {
            canary += canarySecond.errors();
            if (!step.mirror()) users += canarySecond.errors();
        }

        RunResult end(End end, long seconds, boolean timedOut) {
            return new RunResult(end, seconds, canary, users, timedOut);
        }
    }
}
