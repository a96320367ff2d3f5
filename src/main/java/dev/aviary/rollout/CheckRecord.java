package dev.aviary.rollout;

import dev.aviary.analysis.Evidence;
import dev.aviary.analysis.Outcome;
import dev.aviary.analysis.Verdict;

/** A verdict as stored in the CanaryRollout and shown by the status API. */
public record CheckRecord(String check, Outcome outcome, String message, Evidence evidence, boolean anytimeValid) {

    public static CheckRecord of(Verdict v) {
        return new CheckRecord(v.check(), v.outcome(), v.message(), v.evidence(), v.anytimeValid());
    }
}
