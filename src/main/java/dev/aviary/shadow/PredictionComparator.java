package dev.aviary.shadow;

/**
 * Whether two answers to the same instance agree: top-1 label, top-k overlap, max |delta probability|,
 * Jensen-Shannon divergence, numeric difference within a tolerance. The extension point for comparisons, one class
 * each (package {@code shadow.compare}); pure functions.
 */
public interface PredictionComparator {

    /** As a policy writes it after {@code compare:}, e.g. "top1". */
    String name();

    /**
     * Whether the canary's answer agrees with the baseline's.
     *
     * @throws ReplayException.Malformed when the answers cannot be compared this way (a label where a score was
     *                                   expected): counted as a failed replay, never as a disagreement
     */
    boolean agree(Prediction baseline, Prediction canary) throws ReplayException.Malformed;
}
