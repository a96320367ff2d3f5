package dev.aviary.rollout;

/**
 * Where a rollout stands after the first stage of a tick ({@link Decider#stand}): the status with what was settled
 * (a move confirmed, an order taken), and either the tick's decision or which rules decide next.
 *
 * @param status   the status to decide on
 * @param save     record {@code status} before going on (it settled something a later failure must not lose)
 * @param decided  the tick's decision when this stage made it; null when {@code next} decides
 * @param next     what decides: nothing more ({@code DECIDED}), the start of a rollout, or the step rules
 */
public record Standing(RolloutStatus status, boolean save, Transition decided, Next next) {

    public enum Next {
        DECIDED,
        /** Pending: start the rollout (unless the arms cannot be told apart). */
        START,
        /** Progressing: judge the step's evidence. */
        JUDGE
    }

    static Standing decided(RolloutStatus status, boolean save, Transition t) {
        return new Standing(status, save, t, Next.DECIDED);
    }
}
