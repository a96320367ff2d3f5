package dev.aviary.rollout;

import dev.aviary.policy.Policy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Writes a rollout's decisions to its CanaryRollout and tells people about them. A hold that changes nothing a decision
 * needs writes nothing: only its verdicts' numbers and message are new, and those are written at most every
 * {@code refresh} (so {@code kubectl describe} stays informative without a write per tick).
 */
final class RolloutRecorder {

    static final int HISTORY = 20;

    private final RolloutRepository rollouts;
    private final Notifier notifier;
    private final Clock clock;
    private final Duration refresh;
    /** When each CanaryRollout (namespace/name) was last written by this process. */
    private final Map<String, Instant> written = new ConcurrentHashMap<>();
    private final FailureLog notifierFailures = new FailureLog(Logger.getLogger(RolloutController.class));

    RolloutRecorder(RolloutRepository rollouts, Notifier notifier, Clock clock, Duration refresh) {
        this.rollouts = rollouts;
        this.notifier = notifier;
        this.clock = clock;
        this.refresh = refresh;
    }

    CanaryRollout save(CanaryRollout cr, RolloutStatus.Builder b) {
        return save(cr, b.build());
    }

    CanaryRollout save(CanaryRollout cr, RolloutStatus status) {
        cr.setStatus(status);
        CanaryRollout saved = rollouts.update(cr);
        written.put(key(cr), clock.instant());
        return saved;
    }

    /** Record a decision that moves nothing (a hold, a pause) and tell people. */
    RolloutController.TickResult record(CanaryRollout cr, Policy policy, Transition t) {
        return record(cr, policy, t, false);
    }

    /** @param requestTaken a person's request was taken off {@code cr}: the write consumes it, so it is never skipped */
    RolloutController.TickResult record(CanaryRollout cr, Policy policy, Transition t, boolean requestTaken) {
        RolloutStatus status = t.status();
        if (requestTaken || t.decision() != Decision.HOLD || !skippable(cr, status)) status = save(cr, status).getStatus();
        publish(policy, status, t.decision(), t.message());
        return new RolloutController.TickResult(t.decision(), t.phase(), t.step(), t.message(), status);
    }

    /**
     * A hold's status may stay unwritten when it equals what is recorded but for the verdicts and the message, and
     * those were written less than {@code refresh} ago (a restarted daemon writes them on its first hold).
     */
    private boolean skippable(CanaryRollout cr, RolloutStatus next) {
        RolloutStatus recorded = cr.getStatus();
        if (recorded == null) return false;
        if (recorded.equals(next)) return true;
        if (!decisive(recorded).equals(decisive(next))) return false;
        Instant last = written.get(key(cr));
        return last != null && clock.instant().isBefore(last.plus(refresh));
    }

    /** The status without what only people read: the last verdicts (their counts, bounds, e-values) and the message. */
    private static RolloutStatus decisive(RolloutStatus s) {
        RolloutStatus.Builder b = s.toBuilder();
        b.checks = List.of();
        b.message = null;
        return b.build();
    }

    private static String key(CanaryRollout cr) {
        return cr.getMetadata().getNamespace() + "/" + cr.getMetadata().getName();
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
