package dev.aviary.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.sim.ArmBehaviour;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArgoContenderTest {

    private static final ArgoContender.Metric DOCS = ArgoContender.Metric.docsExample();

    private static ArmSecond second(long requests, long errors) {
        return new ArmSecond(requests, errors, new long[Buckets.UPPER_MS.length]);
    }

    /** Serves {@code canary} every second from 0 and returns the time of the first decision (or -1 by {@code until}). */
    private static long decide(ArgoContender.Measurements m, ArmSecond canary, long until, RunResult.End expected) {
        for (long t = 0; t <= until; t++) {
            RunResult.End end = m.measureIfDue(t);
            if (end != null) {
                assertEquals(expected, end);
                return t;
            }
            m.serve(t, canary);
        }
        return -1;
    }

    @Test
    void theFourthFailedMeasurementAbortsAtOnce() {
        // t=0: no series yet (Error, retried at 10 s); failures at 10, 70, 130, 190: 4 > failureLimit 3
        assertEquals(190, decide(new ArgoContender.Measurements(DOCS), second(10, 1), 1000, RunResult.End.ROLLBACK));
    }

    @Test
    void aHealthyCanaryIsMeasuredForeverWithoutADecision() {
        assertEquals(-1, decide(new ArgoContender.Measurements(DOCS), second(10, 0), 3600, null));
    }

    /** Before the canary's first request the vector is empty: five errors in a row, 10 s apart, exceed the limit of 4. */
    @Test
    void aCanaryThatNeverServesErrorsOutAfterFiveRetries() {
        assertEquals(40, decide(new ArgoContender.Measurements(DOCS), second(0, 0), 1000, RunResult.End.ROLLBACK));
    }

    /** Once its series exist, a minute without canary requests is NaN, and NaN >= 0.95 is false: Failed. */
    @Test
    void aWindowWithoutRequestsAfterTheFirstIsAFailure() {
        ArgoContender.Measurements m = new ArgoContender.Measurements(DOCS);
        m.serve(0, second(1, 0));
        assertEquals(ArgoContender.Phase.FAILED, m.measure(200));
        assertEquals(ArgoContender.Phase.SUCCESSFUL, m.measure(1));
    }

    @Test
    void aReachedCountEndsTheMeasurements() {
        ArgoContender.Measurements m = new ArgoContender.Measurements(new ArgoContender.Metric(60, 60, 0.95, 0, 4, 0, 2));
        m.serve(0, second(10, 0));
        assertNull(m.measureIfDue(1));
        m.serve(30, second(10, 0));
        assertNull(m.measureIfDue(61));
        m.serve(100, second(10, 10));
        assertNull(m.measureIfDue(121)); // count reached: no measurement, no failure
    }

    @Test
    void stepsLastTheirPausesAndABadMirroredCanaryHurtsNoUser() {
        Scenario bad = new Scenario("bad", 20, Scenario.HEALTHY, new ArmBehaviour(0.5, 100, 0.4), 0.1);
        Scenario good = new Scenario("good", 20, Scenario.HEALTHY, Scenario.HEALTHY, 0.1);
        List<PlanStep> plan = List.of(new PlanStep("mirror 100%", 0.5, 0.5, true, 300), new PlanStep("weight 30%", 0.3, 0.3, false, 600));
        ArgoContender argo = new ArgoContender(DOCS);
        RunResult promoted = argo.run(plan, new TrafficSource(good, 5), 0);
        assertEquals(RunResult.End.PROMOTE, promoted.end());
        assertEquals(900, promoted.seconds());
        RunResult rolledBack = argo.run(plan, new TrafficSource(bad, 5), 0);
        assertEquals(RunResult.End.ROLLBACK, rolledBack.end());
        assertTrue(rolledBack.seconds() <= 190, "aborted at " + rolledBack.seconds());
        assertTrue(rolledBack.canaryFailures() > 100);
        assertEquals(0, rolledBack.userFailures());
    }
}
