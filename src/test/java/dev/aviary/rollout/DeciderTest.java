package dev.aviary.rollout;

import dev.aviary.checks.CheckTypes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.analysis.ArmCounts;
import dev.aviary.analysis.Observation;
import dev.aviary.analysis.Outcome;
import dev.aviary.metrics.MetricSource;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.TrafficSplit;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decision core as a table: a recorded status, what is live on the target, a person's request and the step's
 * evidence in; the decision, phase, step and the gist of its message out. No cluster, no Prometheus, no clock.
 */
class DeciderTest {

    static final Policy POLICY = RolloutFixture.policy(Duration.ofMinutes(2), Policy.TimeoutAction.ROLLBACK); // header, 30%, 100%
    static final Instant NOW = Instant.parse("2026-11-22T10:10:00Z");
    static final ArmLabels ARMS = new ArmLabels("v1", "v2", "image-classifier");
    static final TrafficSplit HEADER = TrafficSplit.forStep(POLICY.steps().get(0));
    static final TrafficSplit W30 = new TrafficSplit(30, null, 0);

    static final Observation HEALTHY = new Observation.Counts(new ArmCounts(7000, 70), new ArmCounts(3000, 30));
    static final Observation FAILING = new Observation.Counts(new ArmCounts(7000, 70), new ArmCounts(3000, 150));
    static final Observation FEW = new Observation.Counts(new ArmCounts(10, 0), new ArmCounts(10, 0));
    /** Over minRequests, and evidence of harm over halfway to a rollback (e-value about 50 of 100, at the default dispersion): the judge holds. */
    static final Observation UNDECIDED = new Observation.Counts(new ArmCounts(7000, 70), new ArmCounts(3000, 65));
    static final Observation NEARLY = new Observation.Counts(new ArmCounts(900, 9), new ArmCounts(400, 4));
    static final Observation MISSING = new Observation.Missing("Prometheus did not answer");
    static final Observation SKEWED = new Observation.Counts(new ArmCounts(9500, 0), new ArmCounts(500, 0));

    final Decider decider = new Decider(new CheckTypes()::judge, new CheckTypes().sampleRatioGuard());

    /** One row: the situation, and what the daemon must decide in it. */
    record Row(String name, RolloutStatus state, LiveTraffic live, String request, ArmLabels arms, Observation checks,
            Observation requests, Decision decision, Phase phase, int step, String says) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Row> table() {
        return Stream.of(
                row("a new rollout starts at step 1", RolloutStatus.pending(POLICY), live(TrafficSplit.BASELINE_ONLY), null, ARMS, HEALTHY, null,
                        Decision.START, Phase.Progressing, 0, "starting the rollout: step 1"),
                row("arms reading one series never start", RolloutStatus.pending(POLICY), live(TrafficSplit.BASELINE_ONLY), null,
                        new ArmLabels("v1", "v1", null), HEALTHY, null, Decision.PAUSE, Phase.Paused, 0, "both resolve to the metric label value"),
                row("passing checks hold until minDuration", progressing(0, HEADER, 30), live(HEADER), null, ARMS, HEALTHY, null,
                        Decision.HOLD, Phase.Progressing, 0, "runs at least 1m"),
                row("passing checks after minDuration advance", progressing(0, HEADER, 60), live(HEADER), null, ARMS, HEALTHY, null,
                        Decision.ADVANCE, Phase.Progressing, 1, "step 1 passed (2 checks pass): step 2"),
                row("passing the last step promotes", progressing(1, W30, 60), live(W30), null, ARMS, HEALTHY, null,
                        Decision.PROMOTE, Phase.Promoted, 2, "every step passed"),
                row("a failing check rolls back at once", progressing(1, W30, 30), live(W30), null, ARMS, FAILING, null,
                        Decision.ROLLBACK, Phase.RolledBack, 1, "errors:"),
                row("a failure outranks missing minDuration and a routing mismatch", progressing(1, W30, 5), live(W30), null, ARMS, FAILING, SKEWED,
                        Decision.ROLLBACK, Phase.RolledBack, 1, "errors:"),
                row("a routing mismatch pauses instead of judging", progressing(1, W30, 60), live(W30), null, ARMS, HEALTHY, SKEWED,
                        Decision.PAUSE, Phase.Paused, 1, "routing does not match the policy"),
                row("no data holds within the tolerance", progressing(0, HEADER, 90), live(HEADER), null, ARMS, MISSING, null,
                        Decision.HOLD, Phase.Progressing, 0, "holding, no data"),
                row("no data past the tolerance does what the policy says", noDataSince(progressing(0, HEADER, 400), 360), live(HEADER), null,
                        ARMS, MISSING, null, Decision.PAUSE, Phase.Paused, 0, "no data for 6m"),
                row("no data is not a timeout: maxStepDuration waits for data", progressing(0, HEADER, 180), live(HEADER), null, ARMS, MISSING, null,
                        Decision.HOLD, Phase.Progressing, 0, "holding, no data"),
                row("an inconclusive step with its data in times out as the policy says", progressing(1, W30, 180), live(W30), null,
                        ARMS, UNDECIDED, null, Decision.ROLLBACK, Phase.RolledBack, 1, "still inconclusive after 3m (maxStepDuration 2m)"),
                row("a step short of data at maxStepDuration pauses with the numbers, it is not rolled back", progressing(0, HEADER, 180),
                        live(HEADER), null, ARMS, FEW, null, Decision.PAUSE, Phase.Paused, 0,
                        "step 1 is short of data after 3m (maxStepDuration 2m): 10 of the 500 requests per arm minRequests asks for"
                                + " (0.0556/s); at that rate about 2h27m more: pausing, not rolling back"),
                row("a step short of data whose traffic would finish within 2x maxStepDuration keeps waiting", progressing(1, W30, 180),
                        live(W30), null, ARMS, NEARLY, null, Decision.HOLD, Phase.Progressing, 1,
                        "400 of the 500 requests per arm minRequests asks for (2.22/s); at that rate about 45s more, within 2x"
                                + " maxStepDuration: waiting for the data"),
                row("a step short of data whose traffic would not finish within 2x maxStepDuration pauses", progressing(1, W30, 250),
                        live(W30), null, ARMS, NEARLY, null, Decision.PAUSE, Phase.Paused, 1, "400 of the 500 requests"),
                row("a step that passes after maxStepDuration advances", progressing(0, HEADER, 180), live(HEADER), null, ARMS, HEALTHY, null,
                        Decision.ADVANCE, Phase.Progressing, 1, "step 1 passed"),
                row("arms that cannot be read hold", progressing(0, HEADER, 60), live(HEADER), null, null, HEALTHY, null,
                        Decision.HOLD, Phase.Progressing, 0, "cannot tell the arms apart"),
                row("weights changed by hand pause", progressing(1, W30, 60), live(new TrafficSplit(50, null, 0)), null, ARMS, HEALTHY, null,
                        Decision.PAUSE, Phase.Paused, 1, "changed by someone else (expected 70/30, found 50/50)"),
                row("an abort rolls back", progressing(1, W30, 60), live(W30), "abort", ARMS, HEALTHY, null,
                        Decision.ROLLBACK, Phase.RolledBack, 1, "aborted on request"),
                row("an order outranks a hand edit", progressing(1, W30, 60), live(new TrafficSplit(50, null, 0)), "abort", ARMS, HEALTHY, null,
                        Decision.ROLLBACK, Phase.RolledBack, 1, "aborted on request"),
                row("a promote skips the analysis", progressing(0, HEADER, 10), live(HEADER), "promote", ARMS, FEW, null,
                        Decision.PROMOTE, Phase.Promoted, 0, "promoted on request"),
                row("a pause request pauses", progressing(1, W30, 60), live(W30), "pause", ARMS, HEALTHY, null,
                        Decision.PAUSE, Phase.Paused, 1, "paused on request"),
                row("a resume re-applies the step", phase(progressing(1, W30, 60), Phase.Paused), live(TrafficSplit.BASELINE_ONLY), "resume", ARMS, HEALTHY,
                        null, Decision.RESUME, Phase.Progressing, 1, "re-applying step 2 (weight 30%)"),
                row("a resume of a running rollout is just a tick", progressing(0, HEADER, 30), live(HEADER), "resume", ARMS, HEALTHY, null,
                        Decision.HOLD, Phase.Progressing, 0, "runs at least"),
                row("a restart starts over", progressing(1, W30, 60), live(W30), "restart", ARMS, HEALTHY, null,
                        Decision.START, Phase.Progressing, 0, "restart requested"),
                row("a new canary build starts over", progressing(1, W30, 60), new LiveTraffic(W30, "7", true, "build-2"), null, ARMS, HEALTHY, null,
                        Decision.START, Phase.Progressing, 0, "new canary build-2"),
                row("a finished rollout stays put", phase(progressing(1, W30, 60), Phase.Promoted), live(W30), null, ARMS, FAILING, null,
                        Decision.HOLD, Phase.Promoted, 1, "test"),
                row("an interrupted move that never landed is finished", intent(progressing(0, HEADER, 60), W30, HEADER, "7", 1), live(HEADER),
                        null, ARMS, HEALTHY, null, Decision.ADVANCE, Phase.Progressing, 0, "finishing the interrupted move to 70/30"),
                row("a move tried too often pauses", intent(progressing(0, HEADER, 60), W30, HEADER, "7", TickFailures.LIMIT), live(HEADER),
                        null, ARMS, HEALTHY, null, Decision.PAUSE, Phase.Paused, 0, "could not finish the move to 70/30"),
                row("a target that does not serve the split yet holds, even with evidence", progressing(1, W30, 60),
                        LiveTraffic.unsettled(W30, "7", null, "traffic[] shows rev-2 at 0%"), null, ARMS, HEALTHY, null,
                        Decision.HOLD, Phase.Progressing, 1, "does not serve 70/30 yet: traffic[] shows rev-2 at 0%"),
                row("a target that never serves the split pauses past the no-data tolerance", noDataSince(progressing(1, W30, 400), 360),
                        LiveTraffic.unsettled(W30, "7", null, "not Ready"), null, ARMS, HEALTHY, null,
                        Decision.PAUSE, Phase.Paused, 1, "not Ready (for 6m, tolerated: 5m)"),
                row("a rollout does not start on a target that has no canary to serve", RolloutStatus.pending(POLICY),
                        LiveTraffic.unsettled(TrafficSplit.BASELINE_ONLY, "7", null, "no canary: spec.canary is empty"), null, ARMS, HEALTHY, null,
                        Decision.HOLD, Phase.Pending, 0, "waiting to start: no canary"),
                row("a hand edit outranks waiting for the target", progressing(1, W30, 60),
                        LiveTraffic.unsettled(new TrafficSplit(50, null, 0), "7", null, "not Ready"), null, ARMS, HEALTHY, null,
                        Decision.PAUSE, Phase.Paused, 1, "changed by someone else"),
                row("a move overtaken by a hand edit pauses", intent(progressing(0, HEADER, 60), W30, HEADER, "7", 1),
                        new LiveTraffic(HEADER, "8", true, null), null, ARMS, HEALTHY, null, Decision.PAUSE, Phase.Paused, 0, "changed by someone else"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void decides(Row row) {
        Transition t = decide(row.state(), row.live(), row.request(), row.arms(), row.checks(), row.requests());
        assertEquals(row.decision(), t.decision(), t.message());
        assertEquals(row.phase(), t.phase(), t.message());
        assertEquals(row.step(), t.step(), t.message());
        assertTrue(t.message().contains(row.says()), "'" + t.message() + "' should say '" + row.says() + "'");
    }

    /** "(N checks pass)" counts the lines printed under the decision: the checks and the sample-ratio guard. */
    @Test
    void aStepSummaryCountsEveryCheckLinePrintedUnderIt() {
        for (Transition t : List.of(decide(progressing(0, HEADER, 60), live(HEADER), null, ARMS, HEALTHY, null),
                decide(progressing(1, W30, 60), live(W30), null, ARMS, HEALTHY, null))) {
            List<CheckRecord> lines = t.status().checks();
            assertTrue(lines.stream().anyMatch(c -> c.check().equals(StepRules.SAMPLE_RATIO_CHECK)), "the guard is printed too");
            assertTrue(t.message().contains("(" + lines.size() + " checks pass)"), lines.size() + " lines under '" + t.message() + "'");
        }
        List<CheckRecord> undecidedGuard = List.of(new CheckRecord("errors", Outcome.PASS, "", null, true),
                new CheckRecord(StepRules.SAMPLE_RATIO_CHECK, Outcome.INCONCLUSIVE, "", null, true));
        assertEquals("1 check passes; sample-ratio INCONCLUSIVE", StepRules.tally(undecidedGuard), "each line accounted for");
    }

    @Test
    void aMoveRecordsItsIntentBeforeThePatch() {
        Transition t = decide(progressing(0, HEADER, 60), live(HEADER), null, ARMS, HEALTHY, null);
        assertEquals(W30, t.move());
        assertEquals(Weights.of(W30), t.status().intended(), "the intent is in the status the controller writes first");
        assertEquals(Weights.of(HEADER), t.status().previous());
        assertEquals("7", t.status().intendedOn());
        assertEquals(1, t.status().attempts());
        RolloutStatus applied = Transition.confirmed(t.status(), NOW);
        assertNull(applied.intended());
        assertEquals(Weights.of(W30), applied.applied());
        assertEquals(NOW.toString(), applied.stepStartedAt(), "the next step's window starts when its weights are in place");
    }

    @Test
    void advancingFoldsEachJudgesEvidenceIntoWhatLaterStepsInherit() {
        Transition t = decide(progressing(0, HEADER, 60), live(HEADER), null, ARMS, HEALTHY, null);
        assertEquals(Decision.ADVANCE, t.decision());
        assertFalse(t.status().memory().get("errors").isEmpty(), "the comparison carries its evidence to step 2");
        Transition hold = decide(progressing(0, HEADER, 30), live(HEADER), null, ARMS, HEALTHY, null);
        assertTrue(hold.status().memory().isEmpty(), "a step that does not end folds nothing");
    }

    @Test
    void aConfirmedMoveIsSavedBeforeJudging() {
        RolloutStatus landed = intent(progressing(0, HEADER, 60), W30, HEADER, "6", 1);
        Standing s = decider.stand(landed, POLICY, live(W30), null, NOW);
        assertTrue(s.save(), "a confirmation a later failure must not lose");
        assertEquals(Standing.Next.JUDGE, s.next());
        assertNull(s.status().intended());
        assertEquals(NOW.toString(), s.status().stepStartedAt());
    }

    @Test
    void waitingForTheTargetRestartsTheStepsWindow() {
        Transition t = decide(progressing(1, W30, 60), LiveTraffic.unsettled(W30, "7", null, "not Ready"), null, ARMS, HEALTHY, null);
        assertEquals(NOW.toString(), t.status().stepStartedAt(), "evidence counts only from when the split is served");
        assertEquals(NOW.toString(), t.status().noDataSince(), "the wait counts against the no-data tolerance");
    }

    @Test
    void timeoutsAndNoDataAreMarkedAsSuch() {
        assertTrue(decide(progressing(1, W30, 180), live(W30), null, ARMS, UNDECIDED, null).timedOut());
        assertTrue(decide(progressing(0, HEADER, 180), live(HEADER), null, ARMS, FEW, null).timedOut(), "a pause for lack of data too");
        assertFalse(decide(progressing(1, W30, 180), live(W30), null, ARMS, NEARLY, null).timedOut(), "waiting is no timeout");
        assertFalse(decide(progressing(1, W30, 30), live(W30), null, ARMS, FAILING, null).timedOut());
        Transition stay = decide(phase(progressing(1, W30, 60), Phase.Promoted), live(W30), null, ARMS, HEALTHY, null);
        assertFalse(stay.write(), "a finished rollout writes nothing");
        assertNotNull(stay.status());
    }

    /** Both stages, as the controller runs them. */
    Transition decide(RolloutStatus state, LiveTraffic live, String request, ArmLabels arms, Observation checks, Observation requests) {
        return decide(decider, POLICY, state, live, request, null, arms, checks, requests);
    }

    /** Both stages of {@code decider} on {@code policy}, a request made by {@code requestedBy}. */
    static Transition decide(Decider decider, Policy policy, RolloutStatus state, LiveTraffic live, String request, String requestedBy,
            ArmLabels arms, Observation checks, Observation requests) {
        Standing s = decider.stand(state, policy, live, request, requestedBy, NOW);
        MetricSource metrics = new MetricSource() {
            @Override
            public Observation observe(Policy policy, CheckSpec check, ArmLabels a, Duration window) {
                return checks;
            }

            @Override
            public Observation requests(Policy policy, ArmLabels a, Duration window) {
                return requests != null ? requests : checks;
            }
        };
        return switch (s.next()) {
            case DECIDED -> s.decided();
            case START -> decider.start(s.status(), policy, live, arms, NOW);
            case JUDGE -> decider.judge(s.status(), policy, live, arms == null ? Evidence.armsUnknown("no DestinationRule")
                    : Evidence.gather(metrics, policy, arms, Decider.window(s.status(), NOW)), NOW);
        };
    }

    static Row row(String name, RolloutStatus state, LiveTraffic live, String request, ArmLabels arms, Observation checks,
            Observation requests, Decision decision, Phase phase, int step, String says) {
        return new Row(name, state, live, request, arms, checks, requests, decision, phase, step, says);
    }

    static LiveTraffic live(TrafficSplit split) {
        return new LiveTraffic(split, "7", true, null);
    }

    /** Progressing in {@code step} with {@code split} applied {@code secondsAgo}. */
    static RolloutStatus progressing(int step, TrafficSplit split, long secondsAgo) {
        RolloutStatus.Builder b = RolloutStatus.pending(POLICY).toBuilder();
        b.phase = Phase.Progressing;
        b.step = step;
        b.stepStartedAt = NOW.minusSeconds(secondsAgo).toString();
        b.settle(Weights.of(split));
        b.lastDecision = Decision.ADVANCE;
        b.message = "test";
        return b.build();
    }

    static RolloutStatus phase(RolloutStatus s, Phase phase) {
        RolloutStatus.Builder b = s.toBuilder();
        b.phase = phase;
        return b.build();
    }

    static RolloutStatus noDataSince(RolloutStatus s, long secondsAgo) {
        RolloutStatus.Builder b = s.toBuilder();
        b.noDataSince = NOW.minusSeconds(secondsAgo).toString();
        return b.build();
    }

    /** A move to {@code to} recorded on resourceVersion {@code on}, not confirmed. */
    static RolloutStatus intent(RolloutStatus s, TrafficSplit to, TrafficSplit from, String on, int attempts) {
        RolloutStatus.Builder b = s.toBuilder();
        b.intended = Weights.of(to);
        b.previous = Weights.of(from);
        b.intendedOn = on;
        b.attempts = attempts;
        return b.build();
    }
}
