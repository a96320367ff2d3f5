package dev.aviary.rollout;

import dev.aviary.policy.Policy;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/** Writes a rollout's decisions to its CanaryRollout and tells people about them. */
final class RolloutRecorder {

    static final int HISTORY = 20;

    private final RolloutRepository rollouts;
    private final Notifier notifier;
    private final Clock clock;
    private final FailureLog notifierFailures = new FailureLog(Logger.getLogger(RolloutController.class));

    RolloutRecorder(RolloutRepository rollouts, Notifier notifier, Clock clock) {
        this.rollouts = rollouts;
        this.notifier = notifier;
        this.clock = clock;
    }

    CanaryRollout save(CanaryRollout cr, RolloutStatus.Builder b) {
        return save(cr, b.build());
    }

    CanaryRollout save(CanaryRollout cr, RolloutStatus status) {
        cr.setStatus(status);
        return rollouts.update(cr);
    }

    /** Record a decision that moves nothing (a hold, a pause) and tell people. */
    RolloutController.TickResult record(CanaryRollout cr, Policy policy, Transition t) {
        cr = save(cr, t.status());
        publish(policy, cr.getStatus(), t.decision(), t.message());
        return new RolloutController.TickResult(t.decision(), t.phase(), t.step(), t.message(), cr.getStatus());
    }

    /** Stop and wait for a person; the weights stay where they are ({@code canaryWeight}, for the history). */
    RolloutController.TickResult pause(CanaryRollout cr, Policy policy, int canaryWeight, RolloutStatus.Builder b, String message) {
        return record(cr, policy, Transition.pause(b, canaryWeight, message, clock.instant()));
    }

    void publish(Policy policy, RolloutStatus s, Decision decision, String message) {
        publish(policy, s, decision, message, false);
    }

    /** @param failure a tick failed unexpectedly (said once per failure, not per repeat) */
    void publish(Policy policy, RolloutStatus s, Decision decision, String message, boolean failure) {
        int stepNumber = s.phase() == Phase.Pending ? 0 : Math.min(s.step(), policy.steps().size() - 1) + 1;
        Weights w = s.applied() != null ? s.applied() : s.intended();
        String weights = w == null ? "?" : w.toSplit().describe();
        try {
            notifier.publish(new RolloutEvent(clock.instant(), policy.key(), policy.namespace(), policy.target().describe(), decision,
                    s.phase(), stepNumber, policy.steps().size(), weights, message, s.checks(), policy.notifications(), failure));
            notifierFailures.recovered(policy.key());
        } catch (RuntimeException e) {
            // telling people is not deciding: a broken notifier never holds up a rollout (or a rollback)
            notifierFailures.failed(policy.key(), "could not hand a decision to the notifier", e);
        }
    }

    /** @param step the 0-based index of the step; the entry holds the number people read */
    static List<HistoryEntry> appendHistory(List<HistoryEntry> history, Instant at, Decision decision, int step, int weight,
            String message) {
        List<HistoryEntry> h = new ArrayList<>(history == null ? List.of() : history);
        h.add(new HistoryEntry(at.toString(), decision, step + 1, weight, message));
        return h.size() > HISTORY ? List.copyOf(h.subList(h.size() - HISTORY, h.size())) : h;
    }
}
