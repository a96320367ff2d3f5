package dev.aviary.rollout;

import static dev.aviary.rollout.DeciderTest.NOW;
import static dev.aviary.rollout.DeciderTest.live;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aviary.analysis.ArmCounts;
import dev.aviary.analysis.Observation;
import dev.aviary.checks.CheckTypes;
import dev.aviary.metrics.MetricSource;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.KServeTarget;
import dev.aviary.policy.Policy;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.TrafficSplit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The arm pins in the decisions: a policy whose check asks the arms directly at derived endpoints keeps the pins in
 * every step's split, drops them on promotion and rollback, and pauses when a person removes them, as for any other
 * managed route. A policy without such a check, or on a target that needs no pins (KServe), never asks for them.
 */
class ArmPinsDecisionTest {

    /** A check that asks the arms directly: the replay shadow check without endpoints, judged here as its counts. */
    record Replaying(CheckSpec counted) implements CheckSpec {
        @Override
        public String name() {
            return counted.name();
        }

        @Override
        public boolean reachesArmsDirectly() {
            return true;
        }
    }

    static final Policy PLAIN = DeciderTest.POLICY; // header, 30%, 100% on an Istio target
    static final Policy PINNED = withChecks(PLAIN, new Replaying(PLAIN.checks().get(0)));
    static final ArmLabels ARMS = DeciderTest.ARMS;
    static final Observation HEALTHY = DeciderTest.HEALTHY;
    static final Observation FAILING = DeciderTest.FAILING;
    static final TrafficSplit HEADER = DeciderTest.HEADER.withArmPins(true);
    static final TrafficSplit W30 = DeciderTest.W30.withArmPins(true);

    final CheckTypes types = new CheckTypes();
    final Decider decider = new Decider(c -> types.judge(c instanceof Replaying r ? r.counted() : c), types.sampleRatioGuard());

    @Test
    void theFirstStepAndEachAdvanceKeepThePins() {
        Transition start = decide(PINNED, RolloutStatus.pending(PINNED), live(TrafficSplit.BASELINE_ONLY), null, HEALTHY);
        assertEquals(Decision.START, start.decision(), start.message());
        assertEquals(HEADER, start.move());
        assertTrue(start.status().intended().pins(), "the intent records the pins, so a restarted daemon finishes them too");

        Transition advance = decide(PINNED, progressing(PINNED, 0, HEADER, 60), live(HEADER), null, HEALTHY);
        assertEquals(Decision.ADVANCE, advance.decision(), advance.message());
        assertEquals(W30, advance.move());
    }

    @Test
    void promotionAndRollbackRemoveThem() {
        Transition promote = decide(PINNED, progressing(PINNED, 1, W30, 60), live(W30), null, HEALTHY);
        assertEquals(Decision.PROMOTE, promote.decision(), promote.message());
        assertFalse(promote.move().armPins(), "the rollout ends: " + promote.move().describe());

        Transition rollback = decide(PINNED, progressing(PINNED, 1, W30, 30), live(W30), null, FAILING);
        assertEquals(Decision.ROLLBACK, rollback.decision(), rollback.message());
        assertEquals(TrafficSplit.BASELINE_ONLY, rollback.move());

        Transition abort = decide(PINNED, progressing(PINNED, 1, W30, 30), live(W30), "abort", HEALTHY);
        assertEquals(TrafficSplit.BASELINE_ONLY, abort.move());
    }

    @Test
    void pinsRemovedByAPersonPauseTheRolloutAndAResumePutsThemBack() {
        Transition t = decide(PINNED, progressing(PINNED, 1, W30, 60), live(W30.withArmPins(false)), null, HEALTHY);
        assertEquals(Decision.PAUSE, t.decision(), t.message());
        assertTrue(t.message().contains("changed by someone else (expected 70/30 + arm pins, found 70/30)"), t.message());

        RolloutStatus paused = t.status();
        Transition resume = decide(PINNED, paused, live(W30.withArmPins(false)), "resume", HEALTHY);
        assertEquals(Decision.RESUME, resume.decision(), resume.message());
        assertEquals(W30, resume.move());
    }

    @Test
    void reApplyingAPinnedStepIsAHoldNotAMove() {
        Transition t = decide(PINNED, progressing(PINNED, 1, W30, 30), live(W30), null, HEALTHY);
        assertEquals(Decision.HOLD, t.decision(), t.message());
    }

    @Test
    void noCheckAskingTheArmsOrATargetWithoutPinsMeansNoPins() {
        assertFalse(PLAIN.pinsArms());
        assertTrue(PINNED.pinsArms());
        Policy kserve = new Policy(PINNED.name(), PINNED.namespace(), new KServeTarget("fraud-classifier"), PINNED.interval(),
                PINNED.steps(), PINNED.maxStepDuration(), PINNED.onTimeout(), PINNED.noData(), PINNED.checks(), PINNED.alpha(),
                PINNED.minRequests(), PINNED.notifications(), PINNED.source(), PINNED.hash());
        assertFalse(kserve.pinsArms(), "KServe's arms have Services of their own");
        Transition start = decide(PLAIN, RolloutStatus.pending(PLAIN), live(TrafficSplit.BASELINE_ONLY), null, HEALTHY);
        assertEquals(DeciderTest.HEADER, start.move());
    }

    @Test
    void aStatusWrittenBeforePinsExistedReadsAsNoPins() throws Exception {
        Weights old = new ObjectMapper().readValue("{\"canary\": 30, \"mirror\": 0.0}", Weights.class);
        assertEquals(DeciderTest.W30, old.toSplit());
        assertEquals(W30, Weights.of(W30).toSplit(), "the pins survive the round trip through the CanaryRollout");
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private Transition decide(Policy policy, RolloutStatus state, LiveTraffic live, String request, Observation checks) {
        Standing s = decider.stand(state, policy, live, request, NOW);
        MetricSource metrics = new MetricSource() {
            @Override
            public Observation observe(Policy p, CheckSpec check, ArmLabels a, Duration window) {
                return checks;
            }

            @Override
            public Observation requests(Policy p, ArmLabels a, Duration window) {
                return new Observation.Counts(new ArmCounts(7000, 0), new ArmCounts(3000, 0));
            }
        };
        return switch (s.next()) {
            case DECIDED -> s.decided();
            case START -> decider.start(s.status(), policy, live, ARMS, NOW);
            case JUDGE -> decider.judge(s.status(), policy, live, Evidence.gather(metrics, policy, ARMS, Decider.window(s.status(), NOW)), NOW);
        };
    }

    private static RolloutStatus progressing(Policy policy, int step, TrafficSplit split, long secondsAgo) {
        RolloutStatus.Builder b = DeciderTest.progressing(step, split, secondsAgo).toBuilder();
        b.policyHash = policy.hash();
        return b.build();
    }

    private static Policy withChecks(Policy p, CheckSpec... checks) {
        return new Policy(p.name(), p.namespace(), p.target(), p.interval(), p.steps(), p.maxStepDuration(), p.onTimeout(),
                p.noData(), new ArrayList<>(List.of(checks)), p.alpha(), p.minRequests(), p.notifications(), p.source(), p.hash());
    }
}
