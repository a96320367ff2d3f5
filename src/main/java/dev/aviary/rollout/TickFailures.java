package dev.aviary.rollout;

import dev.aviary.policy.Policy;
import dev.aviary.traffic.TrafficSplit;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import org.jboss.logging.Logger;

/**
 * What a rollout does when a tick fails in a way it did not expect (a bug in a router, a metric source or a judge;
 * a patch the target refuses): it holds, says so once, counts the repeats in its status, and
 * after {@link #LIMIT} identical failures in a row pauses for a person instead of failing on every tick forever.
 * The rules are pure functions of the status; {@link #failed} and {@link #recovered} apply them to the CanaryRollout.
 */
final class TickFailures {

    /** Identical failures in a row, and tries at one move, after which a rollout stops and asks a person. */
    static final int LIMIT = 5;
    private static final int MAX_MESSAGE = 300;
    private static final Logger LOG = Logger.getLogger(RolloutController.class);

    private final RolloutRepository rollouts;
    private final RolloutRecorder recorder;
    private final Clock clock;

    TickFailures(RolloutRepository rollouts, RolloutRecorder recorder, Clock clock) {
        this.rollouts = rollouts;
        this.recorder = recorder;
        this.clock = clock;
    }

    /**
     * A tick failed in a way it did not expect: hold where the rollout stands, record the failure once and count
     * its repeats in the CanaryRollout, and pause once it has repeated {@link #LIMIT} times.
     */
    RolloutController.TickResult failed(Policy policy, RuntimeException e) {
        // the failed tick's copy may be half-changed: record the failure on what the cluster holds
        CanaryRollout cr = rollouts.get(policy.namespace(), policy.name());
        if (cr == null) throw e;
        RolloutStatus s = cr.getStatus();
        Assessment a = assess(s, describe(e), clock.instant());
        log(policy, a, e);
        TickError error = a.error();
        RolloutStatus.Builder b = s.toBuilder();
        b.error = error;
        switch (a.reaction()) {
            case QUIET -> {
                return new RolloutController.TickResult(Decision.HOLD, s.phase(), s.step(), error.message(), s);
            }
            case PAUSE -> {
                // the move in flight, if any, is given up: a resume decides again from what is live
                b.settle(s.applied() != null ? s.applied() : s.previous() != null ? s.previous() : Weights.of(TrafficSplit.BASELINE_ONLY));
                return recorder.pause(cr, policy, s.canaryWeight(), b, paused(policy, error));
            }
            default -> {
                if (moving(s)) {
                    b.message = holding(error);
                    // a move in flight keeps its decision: finishing it records that, not this hold
                    if (s.intended() == null) b.lastDecision = Decision.HOLD;
                }
                cr = recorder.save(cr, b);
                if (a.reaction() == Reaction.ANNOUNCE) recorder.publish(policy, cr.getStatus(), Decision.HOLD, error.message(), true);
                return new RolloutController.TickResult(Decision.HOLD, s.phase(), s.step(), b.message, cr.getStatus());
            }
        }
    }

    /** A tick went through after failing ones: the count starts over. */
    void recovered(Policy policy) {
        CanaryRollout cr = rollouts.get(policy.namespace(), policy.name());
        if (cr == null || cr.getStatus().error() == null) return;
        RolloutStatus.Builder b = cr.getStatus().toBuilder();
        b.error = null;
        recorder.save(cr, b);
    }

    enum Reaction {
        /** The first failure of its kind: hold, record it and tell people. */
        ANNOUNCE,
        /** The same again: hold and count it. */
        COUNT,
        /** The limit is reached while the rollout moves: pause. */
        PAUSE,
        /** The same again past the limit while nothing moves (paused, finished): nothing more to write. */
        QUIET
    }

    record Assessment(TickError error, Reaction reaction) {}

    /** The target refused a patch (not a conflict): a failure of the tick like any other. */
    static final class MoveRefused extends RuntimeException {
        MoveRefused(String message) {
            super(message);
        }
    }

    static Assessment assess(RolloutStatus status, String message, Instant now) {
        TickError last = status.error();
        TickError error = last != null && sameKind(last.message(), message)
                ? new TickError(message, last.count() + 1, last.since())
                : new TickError(message, 1, now.toString());
        Reaction reaction;
        if (error.count() == 1) reaction = Reaction.ANNOUNCE;
        else if (moving(status) && error.count() >= LIMIT) reaction = Reaction.PAUSE;
        else if (error.count() <= LIMIT) reaction = Reaction.COUNT;
        else reaction = Reaction.QUIET;
        return new Assessment(error, reaction);
    }

    /** Whether the rollout is walking its steps or has a move in flight (not paused, not finished). */
    static boolean moving(RolloutStatus status) {
        return status.intended() != null || status.phase() == Phase.Pending || status.phase().underway();
    }

    /**
     * Same kind: the same exception and message, numbers aside (an index, a timestamp or a port in a message
     * must not turn one recurring failure into endless "new" ones).
     */
    static boolean sameKind(String a, String b) {
        return a.replaceAll("\\d+", "#").equals(b.replaceAll("\\d+", "#"));
    }

    /** One line for people: the exception, its message, and where in Aviary it was thrown. */
    static String describe(RuntimeException e) {
        if (e instanceof MoveRefused) return oneLine(e.getMessage());
        StackTraceElement[] trace = e.getStackTrace();
        String where = Arrays.stream(trace).filter(f -> f.getClassName().startsWith("dev.aviary.")).findFirst()
                .or(() -> Arrays.stream(trace).findFirst())
                .map(f -> " (" + (f.getFileName() != null ? f.getFileName() + ":" + f.getLineNumber() : f.getClassName()) + ")")
                .orElse("");
        return oneLine(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + where);
    }

    static String oneLine(String s) {
        String line = s == null ? "" : s.replace("\r", "\\r").replace("\n", "\\n").replace("\t", " ").replaceAll("\\p{Cntrl}", "?");
        return line.length() > MAX_MESSAGE ? line.substring(0, MAX_MESSAGE - 3) + "..." : line;
    }

    static String holding(TickError e) {
        return "holding: " + e.message() + " (" + (e.count() == 1 ? "1 failed tick" : e.count() + " failed ticks in a row")
                + "; pauses at " + LIMIT + ")";
    }

    static String paused(Policy policy, TickError e) {
        return "paused after " + e.count() + " failed ticks in a row since " + e.since() + ": " + e.message()
                + ". Fix the cause, then resume with: " + CanaryRollout.requestCommand(policy, "resume");
    }

    /** Why a move that was tried {@link #LIMIT} times is given up, and how a person takes it from there. */
    static String unfinishedMove(Policy policy, RolloutStatus status, String live) {
        Decision d = status.lastDecision();
        String move = d == Decision.ROLLBACK ? "rollback" : d == Decision.PROMOTE ? "promotion" : "move";
        String failed = status.error() != null ? "last failure: " + status.error().message()
                : "no failure was recorded: the daemon stopped before the move was confirmed";
        String retry = d == Decision.ROLLBACK ? CanaryRollout.requestCommand(policy, "abort")
                : d == Decision.PROMOTE ? CanaryRollout.requestCommand(policy, "promote")
                : CanaryRollout.requestCommand(policy, "resume");
        return "could not finish the " + move + " to " + status.intended().toSplit().describe() + " on " + policy.target().describe()
                + " after " + status.attempts() + " attempts (" + failed + "); the weights stay at " + live
                + ". Fix the cause, then retry with: " + retry;
    }

    static void log(Policy policy, Assessment a, RuntimeException e) {
        TickError error = a.error();
        switch (a.reaction()) {
            case ANNOUNCE -> {
                LOG.warnf("%s: tick failed: %s; holding", policy.key(), error.message());
                LOG.debugf(e, "%s: the failure in full", policy.key());
            }
            case PAUSE -> LOG.warnf("%s: paused after %d failed ticks in a row: %s", policy.key(), error.count(), error.message());
            default -> LOG.debugf("%s: tick failed again (%d in a row): %s", policy.key(), error.count(), error.message());
        }
    }
}
