package dev.aviary.api;

import dev.aviary.rollout.CanaryRollout;
import dev.aviary.rollout.CheckRecord;
import dev.aviary.rollout.Decision;
import dev.aviary.rollout.HistoryEntry;
import dev.aviary.rollout.Phase;
import dev.aviary.rollout.RolloutStatus;
import java.util.List;

/** A rollout as the status API shows it: what the CanaryRollout records, nothing secret. */
public record RolloutView(String namespace, String name, String target, Phase phase, int step, int canaryWeight,
        Decision lastDecision, String message, String stepStartedAt, List<CheckRecord> checks, List<HistoryEntry> history) {

    public static RolloutView of(CanaryRollout cr) {
        RolloutStatus s = cr.getStatus();
        return new RolloutView(cr.getMetadata().getNamespace(), cr.getMetadata().getName(), cr.getSpec().target(), s.phase(),
                s.step() + 1, s.canaryWeight(), s.lastDecision(), s.message(), s.stepStartedAt(), s.checks(), s.history());
    }
}
