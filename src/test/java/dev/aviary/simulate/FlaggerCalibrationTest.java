package dev.aviary.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.checks.CheckTypes;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FlaggerCalibrationTest {

    private static final FlaggerContender.Analysis TUTORIAL = FlaggerContender.Analysis.tutorial(DefaultPolicy.imageClassifier(), new CheckTypes());
    private static final List<PlanStep> PLAN = PlanStep.from(DefaultPolicy.imageClassifier(), 0.1);
    private static final int RUNS = 300;
    private static final long SEED = 17;

    /** Rollbacks over the calibration runs, walked through the traffic as the simulation does (not the table). */
    private static double rollbackRate(Scenario aa, double minSuccessRate) {
        FlaggerContender flagger = new FlaggerContender("flagger", TUTORIAL.withMinSuccessRate(minSuccessRate));
        TrafficSource traffic = new TrafficSource(aa, SEED);
        return IntStream.range(0, RUNS).parallel().filter(r -> flagger.run(PLAN, traffic, r).end() == RunResult.End.ROLLBACK).count() / (double) RUNS;
    }

    @Test
    void theCalibratedMinimumMeetsTheTargetOnItsRunsAndATenthStricterDoesNot() {
        Scenario aa = Scenario.named("errors-1to5-20rps").aaTwin();
        FlaggerCalibration.Calibrated c = FlaggerCalibration.calibrate(TUTORIAL, PLAN, aa, SEED, RUNS, 0.01);
        assertTrue(c.met());
        assertTrue(c.minSuccessRatePercent() < 99, "Flagger's 99% fails a third of the minutes at a 1% base rate: " + c);
        assertTrue(c.falseRollbackRate() <= 0.01, c.toString());
        assertEquals(c.falseRollbackRate(), rollbackRate(aa, c.minSuccessRatePercent()), 1e-12);
        assertTrue(rollbackRate(aa, c.minSuccessRatePercent() + 0.1) > 0.01);
        assertEquals(c, FlaggerCalibration.calibrate(TUTORIAL, PLAN, aa, SEED, RUNS, 0.01));
    }

    /** At 0.5 rps a 0.1% header route's canary sees a request every 2000 s: empty minutes fail whatever the minimum. */
    @Test
    void emptyWindowsCannotBeCalibratedAway() {
        Scenario trickle = new Scenario("trickle", 0.5, Scenario.HEALTHY, Scenario.HEALTHY, 0.01);
        // a header route for 0.1% of requests (the shipped policy mirrors first, so its canary never goes without)
        List<PlanStep> sparse = List.of(new PlanStep("header route", 0.001, Double.NaN, false, 600));
        FlaggerCalibration.Calibrated c = FlaggerCalibration.calibrate(TUTORIAL, sparse, trickle, SEED, 50, 0.01);
        assertFalse(c.met());
        assertEquals(0, c.minSuccessRatePercent());
        assertEquals(1.0, c.falseRollbackRate());
    }

    @Test
    void theTunedJudgeUsesTheCalibrationOfTheScenariosTwin() {
        FlaggerTunedContender tuned = new FlaggerTunedContender(TUTORIAL, 100);
        FlaggerContender forBad = (FlaggerContender) tuned.forScenario(Scenario.named("errors-1to5-20rps"), PLAN, SEED);
        FlaggerContender forGood = (FlaggerContender) tuned.forScenario(Scenario.named("aa-20rps"), PLAN, SEED);
        assertEquals("flagger-tuned", forBad.name());
        assertEquals(forGood.analysis(), forBad.analysis());
        assertEquals(tuned.calibration(Scenario.named("aa-20rps"), PLAN, SEED).minSuccessRatePercent(), forBad.analysis().minSuccessRatePercent());
    }
}
