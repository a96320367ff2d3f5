package dev.aviary.series;

import dev.aviary.rollout.Decision;
import dev.aviary.rollout.Phase;
import java.util.List;

/**
 * Where a rollout stood after one tick, as the status page plots it.
 *
 * @param at           when (ISO-8601)
 * @param step         1-based step number, as the status API shows it
 * @param restored     true for a point taken from the CanaryRollout's recorded history (after a restart, or on a
 *                     replica that does not run the rollout): it has a decision and weights but no evidence
 * @param checks       each check's evidence at this tick; empty for restored points
 */
public record SeriesPoint(String at, Phase phase, int step, int canaryWeight, Decision decision, boolean restored,
        List<CheckPoint> checks) {

    public SeriesPoint {
        checks = checks == null ? List.of() : List.copyOf(checks);
    }

    /** Whether this point says the same as {@code other} apart from its time: a tick that changed nothing. */
    boolean sameAs(SeriesPoint other) {
        return other != null && phase == other.phase && step == other.step && canaryWeight == other.canaryWeight
                && decision == other.decision && restored == other.restored && checks.equals(other.checks);
    }

    /** Whether the rollout moved at this point (weight, phase or step differ from {@code before}): never thinned away. */
    boolean movedFrom(SeriesPoint before) {
        return before == null || canaryWeight != before.canaryWeight || phase != before.phase || step != before.step;
    }
}
