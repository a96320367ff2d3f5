package dev.aviary.analysis;

/**
 * Judges one check: the extension point for statistics. One class per method (threshold, anytime-valid count
 * comparison, Mann-Whitney...). Implementations are plain Java, stateless between calls: everything that must
 * survive a tick or a restart travels in {@link JudgeMemory}.
 */
public interface Judge {

    /** Judge the observation of the current step so far. */
    Verdict judge(String check, Observation observation, StepContext step, JudgeMemory memory);

    /**
     * The step is over (the weights are about to change): fold its final observation into what later steps
     * inherit. The default carries nothing.
     */
    default JudgeMemory endStep(Observation last, StepContext step, JudgeMemory memory) {
        return memory;
    }
}
