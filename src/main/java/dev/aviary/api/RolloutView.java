package dev.aviary.api;

import dev.aviary.rollout.CanaryRollout;
import dev.aviary.rollout.CheckRecord;
import dev.aviary.rollout.Decision;
import dev.aviary.rollout.HistoryEntry;
import dev.aviary.rollout.Phase;
import dev.aviary.rollout.RolloutStatus;
import java.util.List;
import java.util.Map;

/**
 * A rollout as the status API shows it: what the CanaryRollout records, nothing secret.
 *
 * @param request     a control asked for that the daemon has not acted on yet (null when none)
 * @param requestedBy who asked for it through the API (null when asked with {@code kubectl annotate})
 */
public record RolloutView(String namespace, String name, String target, Phase phase, int step, int canaryWeight,
        Decision lastDecision, String message, String stepStartedAt, List<CheckRecord> checks, List<HistoryEntry> history,
        String request, String requestedBy) {

    public static RolloutView of(CanaryRollout cr) {
        RolloutStatus s = cr.getStatus();
        Map<String, String> annotations = cr.getMetadata().getAnnotations() == null ? Map.of() : cr.getMetadata().getAnnotations();
        return new RolloutView(cr.getMetadata().getNamespace(), cr.getMetadata().getName(), cr.getSpec().target(), s.phase(),
                s.step() + 1, s.canaryWeight(), s.lastDecision(), s.message(), s.stepStartedAt(), s.checks(), s.history(),
                annotations.get(CanaryRollout.REQUEST_ANNOTATION), annotations.get(CanaryRollout.REQUESTED_BY_ANNOTATION));
    }
}
