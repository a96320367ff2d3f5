package dev.aviary.rollout;

import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.TrafficSplit;
import java.time.Instant;

/**
 * What one tick decided, as data: the decision, the status to record, and the weights to move to (null when the
 * weights stay). The controller carries it out on the cluster; the simulator applies it to its own copy.
 *
 * @param decision the decision, HOLD for a tick that keeps things as they are
 * @param status   the status after the decision; for a move, with the intent recorded (write-ahead)
 * @param move     the weights to patch the target to; null for a hold or a pause
 * @param write    whether there is anything to record (false: the rollout is finished or paused and nothing changed)
 * @param timedOut the decision came from maxStepDuration or the no-data tolerance running out, not from a check
 */
public record Transition(Decision decision, RolloutStatus status, TrafficSplit move, boolean write, boolean timedOut) {

    public Phase phase() {
        return status.phase();
    }

    public int step() {
        return status.step();
    }

    public String message() {
        return status.message();
    }

    /** Nothing to do and nothing to record (a finished or paused rollout). */
    static Transition stay(RolloutStatus status) {
        return new Transition(Decision.HOLD, status, null, false, false);
    }

    /** Keep the weights, record why. */
    static Transition hold(RolloutStatus.Builder b, String message) {
        b.lastDecision = Decision.HOLD;
        b.message = message;
        return new Transition(Decision.HOLD, b.build(), null, true, false);
    }

    /** Say something without deciding anything (a request that does not apply): the last decision stays as it was. */
    static Transition note(RolloutStatus.Builder b, String message) {
        b.message = message;
        return new Transition(Decision.HOLD, b.build(), null, true, false);
    }

    /** Stop and wait for a person; the weights stay where they are ({@code canaryWeight}, for the history). */
    static Transition pause(RolloutStatus.Builder b, int canaryWeight, String message, Instant now) {
        return pause(b, canaryWeight, message, now, false);
    }

    static Transition pause(RolloutStatus.Builder b, int canaryWeight, String message, Instant now, boolean timedOut) {
        b.phase = Phase.Paused;
        b.lastDecision = Decision.PAUSE;
        b.message = message;
        b.history = RolloutRecorder.appendHistory(b.history, now, Decision.PAUSE, b.step, canaryWeight, message);
        return new Transition(Decision.PAUSE, b.build(), null, true, timedOut);
    }

    /** Move the weights to {@code desired}: the intent is recorded in the status before the target is patched. */
    static Transition move(RolloutStatus.Builder b, LiveTraffic live, TrafficSplit desired, Decision decision, Phase phase,
            String message, Instant now) {
        return move(b, live, desired, decision, phase, message, now, false);
    }

    static Transition move(RolloutStatus.Builder b, LiveTraffic live, TrafficSplit desired, Decision decision, Phase phase,
            String message, Instant now, boolean timedOut) {
        Weights target = Weights.of(desired);
        boolean retry = target.equals(b.intended);
        // counted before the patch, so a move whose patch kills the daemon is not tried forever either
        b.attempts = retry ? b.attempts + 1 : 1;
        b.intended = target;
        b.previous = Weights.of(live.split());
        b.intendedOn = live.resourceVersion();
        b.phase = phase;
        b.lastDecision = decision;
        b.message = message;
        // finishing the move in flight is the same decision: the history holds it once, not once per try
        if (!retry) b.history = RolloutRecorder.appendHistory(b.history, now, decision, b.step, desired.canaryWeight(), message);
        return new Transition(decision, b.build(), desired, true, timedOut);
    }

    /** The move in flight is on the target: record it as applied; the step's metric window starts now. */
    public static RolloutStatus confirmed(RolloutStatus status, Instant now) {
        RolloutStatus.Builder b = status.toBuilder();
        b.settle(status.intended());
        b.stepStartedAt = now.toString();
        return b.build();
    }
}
