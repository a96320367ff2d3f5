package dev.aviary.simulate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.checks.CheckTypes;
import dev.aviary.sim.ArmBehaviour;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlaggerContenderTest {

    private static final FlaggerContender.Analysis TUTORIAL = FlaggerContender.Analysis.tutorial(DefaultPolicy.imageClassifier(), new CheckTypes());
    private static final FlaggerContender.Window PASS = new FlaggerContender.Window(120, 1, 200, 1);
    private static final FlaggerContender.Window FAIL = new FlaggerContender.Window(120, 2, 200, 2);
    private static final FlaggerContender.Window EMPTY = new FlaggerContender.Window(0, 0, Double.NaN, 0);

    /** Windows by tick (1-based), whatever the step. */
    private static FlaggerContender.Windows ticks(FlaggerContender.Window... windows) {
        return (step, tick) -> windows[Math.min(tick, windows.length) - 1];
    }

    @Test
    void tutorialSettingsAndThePoliciesP99Bound() {
        assertEquals(new FlaggerContender.Analysis(60, 5, 99, 500, 30), TUTORIAL);
    }

    @Test
    void minDurationsBecomePassingAnalysesPerStep() {
        List<PlanStep> plan = PlanStep.from(DefaultPolicy.imageClassifier(), 0.1);
        assertArrayEquals(new int[] {5, 10, 10}, FlaggerContender.iterations(plan, TUTORIAL));
        List<PlanStep> short_ = List.of(new PlanStep("mirror 100%", 0.5, 0.5, true, 0), new PlanStep("weight 10%", 0.1, 0.1, false, 90));
        assertArrayEquals(new int[] {1, 2}, FlaggerContender.iterations(short_, TUTORIAL));
    }

    @Test
    void aGoodCanaryThatNeverFailsIsPromotedAfterThePolicysStepDurations() {
        RunResult r = FlaggerContender.walk(new int[] {5, 10, 10}, TUTORIAL, ticks(PASS));
        assertEquals(RunResult.End.PROMOTE, r.end());
        assertEquals(1500, r.seconds());
        assertEquals(25, r.canaryFailures());
    }

    /** The fifth failed check is at 300 s; Flagger sees failedChecks >= threshold at the next tick, 360 s. */
    @Test
    void rollbackComesAtTheTickAfterTheThresholdthFailedCheck() {
        RunResult r = FlaggerContender.walk(new int[] {5, 10, 10}, TUTORIAL, ticks(FAIL));
        assertEquals(RunResult.End.ROLLBACK, r.end());
        assertEquals(360, r.seconds());
        assertEquals(12, r.userFailures()); // six intervals served, 2 each
    }

    @Test
    void anEmptyResultIsAFailedCheck() {
        assertEquals(360, FlaggerContender.walk(new int[] {5}, TUTORIAL, ticks(EMPTY)).seconds());
        // requests in the minute, none in the p99's last 30 s: histogram_quantile is NaN, the check fails
        assertFalse(FlaggerContender.passes(new FlaggerContender.Window(3, 0, Double.NaN, 0), TUTORIAL));
    }

    @Test
    void failedChecksAccumulateOverStepsAndDoNotAdvance() {
        FlaggerContender.Window[] pattern = {PASS, FAIL, PASS, FAIL, PASS, PASS};
        RunResult promoted = FlaggerContender.walk(new int[] {2, 2}, TUTORIAL, ticks(pattern));
        assertEquals(RunResult.End.PROMOTE, promoted.end());
        assertEquals(360, promoted.seconds()); // four passes, two failures in between
        FlaggerContender.Analysis threshold2 = new FlaggerContender.Analysis(60, 2, 99, 500, 30);
        RunResult rolledBack = FlaggerContender.walk(new int[] {2, 2}, threshold2, ticks(pattern));
        assertEquals(RunResult.End.ROLLBACK, rolledBack.end());
        assertEquals(300, rolledBack.seconds()); // one failure in each step, seen at the next tick
    }

    @Test
    void thresholdsAreComparedAsFlaggerDoes() {
        assertTrue(FlaggerContender.passes(new FlaggerContender.Window(100, 1, 200, 1), TUTORIAL)); // 99.0 is not < 99
        assertFalse(FlaggerContender.passes(new FlaggerContender.Window(101, 2, 200, 2), TUTORIAL)); // 98.02
        assertTrue(FlaggerContender.passes(new FlaggerContender.Window(100, 0, 500.9, 0), TUTORIAL)); // 500 ms after truncation
        assertFalse(FlaggerContender.passes(new FlaggerContender.Window(100, 0, 501, 0), TUTORIAL));
    }

    /** A mirrored canary's 5xx are its evidence but reach no user. */
    @Test
    void mirroredFailuresReachNoUser() {
        Scenario bad = new Scenario("bad-mirror", 20, Scenario.HEALTHY, new ArmBehaviour(0.5, 100, 0.4), 0.1);
        List<PlanStep> plan = List.of(new PlanStep("mirror 100%", 0.5, 0.5, true, 300), new PlanStep("weight 30%", 0.3, 0.3, false, 600));
        RunResult r = new FlaggerContender("flagger", TUTORIAL).run(plan, new TrafficSource(bad, 3), 0);
        assertEquals(RunResult.End.ROLLBACK, r.end());
        assertEquals(360, r.seconds());
        assertTrue(r.canaryFailures() > 1000, "canary 5xx " + r.canaryFailures());
        assertEquals(0, r.userFailures());
    }
}
