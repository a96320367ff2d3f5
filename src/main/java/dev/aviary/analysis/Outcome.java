package dev.aviary.analysis;

/** What one check concludes at one tick. */
public enum Outcome {
    /** The canary is no worse than allowed, with the required confidence and evidence. */
    PASS,
    /** The canary is worse than allowed, with the required confidence: roll back. */
    FAIL,
    /** Not enough evidence either way yet: hold. */
    INCONCLUSIVE,
    /** The data needed is missing (source down, empty result, missing arm, NaN): hold, never pass. */
    NO_DATA
}
