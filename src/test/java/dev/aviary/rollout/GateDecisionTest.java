package dev.aviary.rollout;

import static dev.aviary.rollout.DeciderTest.ARMS;
import static dev.aviary.rollout.DeciderTest.FAILING;
import static dev.aviary.rollout.DeciderTest.HEADER;
import static dev.aviary.rollout.DeciderTest.HEALTHY;
import static dev.aviary.rollout.DeciderTest.MISSING;
import static dev.aviary.rollout.DeciderTest.NOW;
import static dev.aviary.rollout.DeciderTest.POLICY;
import static dev.aviary.rollout.DeciderTest.UNDECIDED;
import static dev.aviary.rollout.DeciderTest.W30;
import static dev.aviary.rollout.DeciderTest.live;
import static dev.aviary.rollout.DeciderTest.noDataSince;
import static dev.aviary.rollout.DeciderTest.phase;
import static dev.aviary.rollout.DeciderTest.progressing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.analysis.Observation;
import dev.aviary.checks.CheckTypes;
import dev.aviary.policy.Policy;
import dev.aviary.policy.Step;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.TrafficSplit;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The manual gate as a table, like {@link DeciderTest}: a {@code pause} step reached, waiting, approved, ignored,
 * overruled by evidence of harm, and kept across a restart. No cluster, no clock.
 */
class GateDecisionTest {

    static final Step HEADER_STEP = POLICY.steps().get(0);
    static final Step W30_STEP = POLICY.steps().get(1);
    /** header route, 30%, pause {}, 50%, 100%: the gate is step 3 (index 2). */
    static final Policy GATED = steps(HEADER_STEP, W30_STEP, Step.gate(null), weight(50), weight(100));
    /** header route, 30%, pause {duration: 10m}, 50%, 100%. */
    static final Policy TIMED = steps(HEADER_STEP, W30_STEP, Step.gate(Duration.ofMinutes(10)), weight(50), weight(100));
    /** header route, 30%, pause {}, 100%: approving promotes. */
    static final Policy LAST = steps(HEADER_STEP, W30_STEP, Step.gate(null), weight(100));
    /** pause {}, header route, 30%, 100%: nothing moves before the approval. */
    static final Policy FIRST = steps(Step.gate(null), HEADER_STEP, W30_STEP, weight(100));
    static final String APPROVE = "kubectl annotate canaryrollout -n default image-classifier aviary.dev/request=approve --overwrite";

    final Decider decider = new Decider(new CheckTypes()::judge, new CheckTypes().sampleRatioGuard());

    record Row(String name, Policy policy, RolloutStatus state, LiveTraffic live, String request, String by, Observation checks,
            Decision decision, Phase phase, int step, String says) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Row> table() {
        return Stream.of(
                row("passing the step before the gate reaches it", GATED, progressing(1, W30, 60), live(W30), null, null, HEALTHY,
                        Decision.ADVANCE, Phase.AwaitingApproval, 2, "step 2 passed (2 checks pass): step 3/5 waits for approval: " + APPROVE),
                row("waiting holds while the checks pass, past maxStepDuration", GATED, awaiting(2, 600), live(W30), null, null, HEALTHY,
                        Decision.HOLD, Phase.AwaitingApproval, 2, "waiting: step 3/5 waits for approval: " + APPROVE + " (2 of 2 checks pass so far)"),
                row("inconclusive evidence at a gate never times out", GATED, awaiting(2, 600), live(W30), null, null, UNDECIDED,
                        Decision.HOLD, Phase.AwaitingApproval, 2, "(1 of 2 checks pass so far)"),
                row("approve passes the gate: the next step starts", GATED, awaiting(2, 30), live(W30), "approve", "alice", HEALTHY,
                        Decision.APPROVE, Phase.Progressing, 3, "approved by alice at step 3 (1 of 2 checks pass so far): step 4 (weight 50%)"),
                row("approve by a bare annotation names no one", GATED, awaiting(2, 30), live(W30), "approve", null, UNDECIDED,
                        Decision.APPROVE, Phase.Progressing, 3, "approved on request at step 3 (0 of 2 checks pass so far): step 4"),
                row("a failing check at the gate rolls back, even on the tick of an approval", GATED, awaiting(2, 30), live(W30), "approve",
                        "alice", FAILING, Decision.ROLLBACK, Phase.RolledBack, 2, "errors:"),
                row("a failing check while waiting rolls back", GATED, awaiting(2, 600), live(W30), null, null, FAILING,
                        Decision.ROLLBACK, Phase.RolledBack, 2, "errors:"),
                row("no data at a gate holds within the tolerance", GATED, awaiting(2, 90), live(W30), null, null, MISSING,
                        Decision.HOLD, Phase.AwaitingApproval, 2, "holding, no data"),
                row("no data at a gate past the tolerance does what the policy says", GATED, noDataSince(awaiting(2, 400), 360), live(W30),
                        null, null, MISSING, Decision.PAUSE, Phase.Paused, 2, "no data for 6m"),
                row("an approval that meets no data is kept, not acted on", GATED, awaiting(2, 30), live(W30), "approve", "alice", MISSING,
                        Decision.HOLD, Phase.Progressing, 2, "holding, no data"),
                row("a kept approval passes once the evidence is in (as after a restart)", GATED, approved(2, 60, "alice"), live(W30), null,
                        null, HEALTHY, Decision.APPROVE, Phase.Progressing, 3, "approved by alice at step 3"),
                row("restart while waiting keeps waiting", GATED, awaiting(2, 60), live(W30), null, null, HEALTHY,
                        Decision.HOLD, Phase.AwaitingApproval, 2, "waits for approval"),
                row("approve with no gate waiting is ignored and never advances", GATED, progressing(1, W30, 60), live(W30), "approve", "alice",
                        HEALTHY, Decision.HOLD, Phase.Progressing, 1, "approve ignored: nothing waits for approval at step 2 (weight 30%);"
                                + " to skip the remaining analysis use promote"),
                row("approve on a paused gate is ignored: resume first", GATED, phase(awaiting(2, 60), Phase.Paused), live(W30), "approve",
                        "alice", HEALTHY, Decision.HOLD, Phase.Paused, 2, "paused at step 3 (pause, waits for approval), not waiting for approval; resume it first"),
                row("approve of an approved gate says so", GATED, approved(2, 60, "alice"), live(W30), "approve", "bob", MISSING,
                        Decision.HOLD, Phase.Progressing, 2, "step 3 is approved already (approved by alice)"),
                row("approve of a finished rollout is ignored", GATED, phase(progressing(4, new TrafficSplit(100, null, 0), 60), Phase.Promoted),
                        live(new TrafficSplit(100, null, 0)), "approve", "alice", HEALTHY, Decision.HOLD, Phase.Promoted, 4, "is Promoted"),
                row("pause at a gate pauses", GATED, awaiting(2, 60), live(W30), "pause", "alice", HEALTHY,
                        Decision.PAUSE, Phase.Paused, 2, "paused on request"),
                row("resume at a gate waits for approval again", GATED, phase(awaiting(2, 60), Phase.Paused), live(W30), "resume", null, HEALTHY,
                        Decision.RESUME, Phase.AwaitingApproval, 2, "re-applying step 3 (pause, waits for approval)"),
                row("abort at a gate rolls back", GATED, awaiting(2, 60), live(W30), "abort", null, HEALTHY,
                        Decision.ROLLBACK, Phase.RolledBack, 2, "aborted on request"),
                row("promote at a gate promotes", GATED, awaiting(2, 60), live(W30), "promote", null, HEALTHY,
                        Decision.PROMOTE, Phase.Promoted, 2, "promoted on request"),
                row("a hand edit at a gate pauses", GATED, awaiting(2, 60), live(new TrafficSplit(50, null, 0)), null, null, HEALTHY,
                        Decision.PAUSE, Phase.Paused, 2, "changed by someone else (expected 70/30, found 50/50)"),
                row("approving a gate before the last step promotes", LAST, awaiting(2, 60), live(W30), "approve", "alice", HEALTHY,
                        Decision.PROMOTE, Phase.Promoted, 3, "approved by alice at step 3 (2 of 2 checks pass so far): promoting"),
                row("a timed pause holds before its duration", TIMED, awaiting(2, 300), live(W30), null, null, HEALTHY,
                        Decision.HOLD, Phase.AwaitingApproval, 2, "waits for approval (or continues by itself after 10m)"),
                row("a timed pause continues by itself after its duration", TIMED, awaiting(2, 600), live(W30), null, null, UNDECIDED,
                        Decision.ADVANCE, Phase.Progressing, 3, "step 3's pause of 10m is over (1 of 2 checks pass so far): step 4 (weight 50%)"),
                row("a timed pause still rolls back on a failing check", TIMED, awaiting(2, 600), live(W30), null, null, FAILING,
                        Decision.ROLLBACK, Phase.RolledBack, 2, "errors:"),
                row("a gate first starts the rollout waiting, before any traffic moves", FIRST, RolloutStatus.pending(FIRST),
                        live(TrafficSplit.BASELINE_ONLY), null, null, HEALTHY, Decision.START, Phase.AwaitingApproval, 0,
                        "starting the rollout: step 1/4 waits for approval before any traffic moves: " + APPROVE),
                row("a gate first judges nothing (the canary has no traffic) and stays", FIRST, first(Phase.AwaitingApproval),
                        live(TrafficSplit.BASELINE_ONLY), null, null, FAILING, Decision.HOLD, Phase.AwaitingApproval, 0, "test"), // its message as it was
                row("approving a gate first starts the traffic steps", FIRST, first(Phase.AwaitingApproval), live(TrafficSplit.BASELINE_ONLY),
                        "approve", "alice", MISSING, Decision.APPROVE, Phase.Progressing, 1,
                        "approved by alice at step 1: step 2 (header route user-group=canary)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void decides(Row row) {
        Transition t = DeciderTest.decide(decider, row.policy(), row.state(), row.live(), row.request(), row.by(), ARMS, row.checks(), null);
        assertEquals(row.decision(), t.decision(), t.message());
        assertEquals(row.phase(), t.phase(), t.message());
        assertEquals(row.step(), t.step(), t.message());
        assertTrue(t.message().contains(row.says()), "'" + t.message() + "' should say '" + row.says() + "'");
    }

    @Test
    void reachingAGateMovesNoTrafficAndStartsItsOwnWindow() {
        Transition t = DeciderTest.decide(decider, GATED, progressing(1, W30, 60), live(W30), null, null, ARMS, HEALTHY, null);
        assertEquals(W30, t.move(), "the gate holds the weights of the step before it: the 'move' is to where it is");
        assertFalse(t.status().memory().get("errors").isEmpty(), "step 2's evidence is carried into the gate");
        RolloutStatus at = Transition.confirmed(t.status(), NOW);
        assertEquals(NOW.toString(), at.stepStartedAt(), "the gate's evidence counts from its start");
        assertEquals(Decision.ADVANCE, at.history().get(at.history().size() - 1).decision(), "reaching the gate is in the history");
    }

    @Test
    void approvalMovesToTheNextStepsWeightsAndRecordsWhoApproved() {
        Transition t = DeciderTest.decide(decider, GATED, awaiting(2, 30), live(W30), "approve", "alice", ARMS, HEALTHY, null);
        assertEquals(new TrafficSplit(50, null, 0), t.move());
        HistoryEntry last = t.status().history().get(t.status().history().size() - 1);
        assertEquals(Decision.APPROVE, last.decision());
        assertTrue(last.message().contains("approved by alice"), last.message());
        assertNull(t.status().approvedBy(), "an approval is spent once the gate is passed");
    }

    @Test
    void anApprovalWaitingForDataIsInTheStatusAndSurvivesARestart() {
        Transition held = DeciderTest.decide(decider, GATED, awaiting(2, 30), live(W30), "approve", "alice", ARMS, MISSING, null);
        assertEquals("alice", held.status().approvedBy());
        // a restarted daemon has only what the CanaryRollout holds: the status as written, read back
        CanaryRollout cr = new CanaryRollout();
        cr.setStatus(held.status());
        KubernetesSerialization json = new KubernetesSerialization();
        RolloutStatus read = json.unmarshal(json.asJson(cr), CanaryRollout.class).getStatus();
        assertEquals(Phase.Progressing, read.phase());
        assertEquals("alice", read.approvedBy());
        Decider restarted = new Decider(new CheckTypes()::judge, new CheckTypes().sampleRatioGuard());
        Transition t = DeciderTest.decide(restarted, GATED, read, live(W30), null, null, ARMS, HEALTHY, null);
        assertEquals(Decision.APPROVE, t.decision(), t.message());
        assertTrue(t.message().startsWith("approved by alice at step 3"), t.message());
    }

    @Test
    void waitingAtAGateFirstWritesNothing() {
        Transition t = DeciderTest.decide(decider, FIRST, first(Phase.AwaitingApproval), live(TrafficSplit.BASELINE_ONLY), null, null,
                ARMS, HEALTHY, null);
        assertFalse(t.write(), "nothing changed, nothing to record at every tick");
        Transition started = DeciderTest.decide(decider, FIRST, RolloutStatus.pending(FIRST), live(TrafficSplit.BASELINE_ONLY), null,
                null, ARMS, HEALTHY, null);
        assertEquals(TrafficSplit.BASELINE_ONLY, started.move(), "the canary stays at 0 until approved");
    }

    static Row row(String name, Policy policy, RolloutStatus state, LiveTraffic live, String request, String by, Observation checks,
            Decision decision, Phase phase, int step, String says) {
        return new Row(name, policy, state, live, request, by, checks, decision, phase, step, says);
    }

    /** Waiting at pause step {@code step} (holding 30%) since {@code secondsAgo}. */
    static RolloutStatus awaiting(int step, long secondsAgo) {
        return phase(progressing(step, W30, secondsAgo), Phase.AwaitingApproval);
    }

    /** Approved by {@code by} at pause step {@code step}, the approval not acted on yet. */
    static RolloutStatus approved(int step, long secondsAgo, String by) {
        RolloutStatus.Builder b = progressing(step, W30, secondsAgo).toBuilder();
        b.approvedBy = by;
        return b.build();
    }

    /** At {@link #FIRST}'s opening gate, baseline only. */
    static RolloutStatus first(Phase phase) {
        return phase(progressing(0, TrafficSplit.BASELINE_ONLY, 60), phase);
    }

    static Step weight(int w) {
        return new Step(w, null, null, w == 100 ? Duration.ZERO : Duration.ofMinutes(1));
    }

    static Policy steps(Step... steps) {
        Policy p = POLICY;
        return new Policy(p.name(), p.namespace(), p.target(), p.interval(), List.of(steps), p.maxStepDuration(), p.onTimeout(),
                p.noData(), p.checks(), p.alpha(), p.minRequests(), p.notifications(), p.source(), p.hash());
    }

    static {
        // the table's HEADER split is the first step's: keep the fixtures honest if the shared policy changes
        assert TrafficSplit.forStep(HEADER_STEP).equals(HEADER);
    }
}
