package dev.aviary.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.checks.CheckTypes;
import dev.aviary.policy.Policy;
import dev.aviary.policy.Step;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The shadow-agreement check in simulation: decided by the daemon's Decider and the AgreementJudge, on replayed pairs. */
class ShadowSimulationTest {

    private static final Policy POLICY = DefaultPolicy.imageClassifier();

    /**
     * The false-rollback guarantee at its worst case: a canary agreeing exactly at minAgreement (95%), checked every
     * 30 s at 5 pairs per second for 20 minutes, with the agreement check alone at alpha 0.05. Rollbacks by the check
     * (not by the step timing out, which a canary on the boundary does since it can never be shown above 95%) must
     * stay at or below alpha over 400 seeded runs. A naive rule (fail when the estimate is below 95% after minPairs)
     * would fail about half of them.
     */
    @Test
    void theAgreementChecksFalseRollbackRateIsAtMostAlpha() {
        double alpha = 0.05;
        Policy policy = new Policy("fraud", "default", POLICY.target(), Duration.ofSeconds(30),
                List.of(new Step(50, null, null, Duration.ofMinutes(2)), new Step(100, null, null, Duration.ZERO)), Duration.ofMinutes(20),
                Policy.TimeoutAction.ROLLBACK, POLICY.noData(), List.of(), alpha, 100, List.of(), null, null);
        Scenario boundary = new Scenario("agree-95-boundary", 2, Scenario.HEALTHY, Scenario.HEALTHY, 0.1,
                new Scenario.Shadow(0.95, 0.95, Scenario.PAIRS_PER_SECOND));
        AviaryContender aviary = new AviaryContender(ShadowPolicy.withAgreementCheck(policy, boundary.shadow()), new CheckTypes());
        List<PlanStep> plan = PlanStep.from(policy, 0.1);
        TrafficSource traffic = new TrafficSource(boundary, 17);
        int runs = 400;
        RunResult[] results = new RunResult[runs];
        IntStream.range(0, runs).parallel().forEach(r -> results[r] = aviary.run(plan, traffic, r));
        long byCheck = Arrays.stream(results).filter(r -> r.end() == RunResult.End.ROLLBACK && !r.timedOut()).count();
        long promoted = Arrays.stream(results).filter(r -> r.end() == RunResult.End.PROMOTE).count();
        assertTrue(byCheck <= alpha * runs, byCheck + " of " + runs + " rolled back by the agreement check, more than alpha");
        // and the boundary canary is not promoted either (that error is controlled at alpha too)
        assertTrue(promoted <= alpha * runs, promoted + " of " + runs + " promoted at exactly minAgreement");
    }

    @Test
    void aCanaryAgreeing99PercentIsPromotedAndOneAgreeing90PercentRolledBack() {
        Simulation sim = new Simulation(POLICY, Simulation.standardContenders(POLICY, new CheckTypes()), new CheckTypes(), 40, 3);
        List<Row> rows = sim.run(List.of(Scenario.named("agree-99-5pps"), Scenario.named("agree-90-5pps")));
        assertEquals(2, rows.size(), "only aviary compares predictions");
        Row good = rows.get(0), bad = rows.get(1);
        assertEquals("aviary", good.judge());
        assertEquals(0.0, good.falseRollbackRate());
        assertEquals(1.0, good.promoteRate());
        assertEquals(1500, good.medianSecondsToPromote(), 60); // the steps' minimum durations: agreement adds no delay
        assertNull(bad.falseRollbackRate());
        assertEquals(1.0, bad.power());
        // 90% vs 95% at 5 pairs per second: caught within a few ticks of the first step
        assertTrue(bad.medianSecondsToRollback() <= 180, "median s to rollback " + bad.medianSecondsToRollback());
    }

    @Test
    void pairsArriveAtTheReplayRateWhateverTheStep() {
        TrafficSource t = new TrafficSource(Scenario.named("agree-90-5pps"), 1);
        long compared = 0, agreed = 0;
        for (int s = 0; s < 1000; s++) {
            long[] p = t.pairs(0, s, s < 500 ? 0 : 2);
            compared += p[0];
            agreed += p[1];
        }
        assertEquals(5000, compared);
        assertEquals(0.90, (double) agreed / compared, 0.015);
        assertEquals(0, new TrafficSource(Scenario.named("aa-20rps"), 1).pairs(0, 5, 0)[0]);
    }
}
