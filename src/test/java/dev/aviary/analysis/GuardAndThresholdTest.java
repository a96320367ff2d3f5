package dev.aviary.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GuardAndThresholdTest {

    private static Observation counts(long baseline, long canary) {
        return new Observation.Counts(new ArmCounts(baseline, 0), new ArmCounts(canary, 0));
    }

    @Test
    void guardPassesTheConfiguredSplitAndPausesOnAMismatch() {
        SampleRatioGuard guard = new SampleRatioGuard();
        StepContext weight30 = new StepContext(0.30, 1, 3, 0.01, 500);
        assertEquals(Outcome.PASS, guard.judge("srm", counts(7_030, 2_970), weight30, JudgeMemory.EMPTY).outcome());
        // A missing DestinationRule subset: the mesh splits evenly instead of 70/30.
        Verdict even = guard.judge("srm", counts(5_000, 5_000), weight30, JudgeMemory.EMPTY);
        assertEquals(Outcome.FAIL, even.outcome());
        assertTrue(even.message().contains("routing does not match the policy"), even.message());
        // Wrong arm labels: the canary's requests are not seen at all.
        assertEquals(Outcome.FAIL, guard.judge("srm", counts(10_000, 0), weight30, JudgeMemory.EMPTY).outcome());
        // A mirror step of 20%: the canary sees 20 copies per 100 baseline requests, share 20/120.
        StepContext mirror = new StepContext(20.0 / 120, 0, 3, 0.01, 500);
        assertEquals(Outcome.PASS, guard.judge("srm", counts(10_000, 2_010), mirror, JudgeMemory.EMPTY).outcome());
        assertEquals(Outcome.FAIL, guard.judge("srm", counts(10_000, 0), mirror, JudgeMemory.EMPTY).outcome());
    }

    @Test
    void guardSkipsHeaderRoutesAndWaitsForData() {
        SampleRatioGuard guard = new SampleRatioGuard();
        assertEquals(Outcome.PASS, guard.judge("srm", counts(10_000, 3), new StepContext(Double.NaN, 0, 3, 0.01, 500), JudgeMemory.EMPTY).outcome());
        assertEquals(Outcome.NO_DATA, guard.judge("srm", counts(0, 0), new StepContext(0.3, 0, 3, 0.01, 500), JudgeMemory.EMPTY).outcome());
        // Few requests cannot show a mismatch: the guard waits until the split gives each arm minRequests.
        assertEquals(Outcome.INCONCLUSIVE, guard.judge("srm", counts(12, 8), new StepContext(0.3, 0, 3, 0.01, 500), JudgeMemory.EMPTY).outcome());
    }

    @Test
    void guardWaitsOutTheFirstSecondsOfAStepButNotAMissingCanary() {
        SampleRatioGuard guard = new SampleRatioGuard();
        StepContext weight30 = new StepContext(0.30, 1, 4, 0.01, 100);
        // Seen in the sandbox 2 s after 100/0 -> 70/30: the mesh still routed by the old weights for a moment.
        Verdict early = guard.judge("srm", counts(263, 48), weight30, JudgeMemory.EMPTY);
        assertEquals(Outcome.INCONCLUSIVE, early.outcome(), early.message());
        assertTrue(early.message().contains("judged once the split gives each arm 100 requests"), early.message());
        // The same share with ten times the requests is a real mismatch.
        assertEquals(Outcome.FAIL, guard.judge("srm", counts(2_630, 480), weight30, JudgeMemory.EMPTY).outcome());
        // A canary no request reaches (wrong labels) is judged by the split it should get, not the 0 it got.
        assertEquals(Outcome.FAIL, guard.judge("srm", counts(400, 0), weight30, JudgeMemory.EMPTY).outcome());
    }

    @Test
    void thresholdDecidesOnlyOnEnoughSamples() {
        ThresholdJudge successRate = new ThresholdJudge(0.99, null, 100, "success rate");
        StepContext step = new StepContext(0.1, 0, 3, 0.01, 500);
        // One error in twenty requests does not fail the step.
        assertEquals(Outcome.INCONCLUSIVE, successRate.judge("sr", new Observation.Value(0.95, 20), step, JudgeMemory.EMPTY).outcome());
        Verdict fail = successRate.judge("sr", new Observation.Value(0.95, 200), step, JudgeMemory.EMPTY);
        assertEquals(Outcome.FAIL, fail.outcome());
        assertFalse(fail.anytimeValid());
        assertEquals(Outcome.PASS, successRate.judge("sr", new Observation.Value(0.995, 200), step, JudgeMemory.EMPTY).outcome());
        assertEquals(Outcome.NO_DATA, successRate.judge("sr", new Observation.Value(Double.NaN, 200), step, JudgeMemory.EMPTY).outcome());
        assertEquals(Outcome.NO_DATA, successRate.judge("sr", new Observation.Missing("no series"), step, JudgeMemory.EMPTY).outcome());
        ThresholdJudge p99 = new ThresholdJudge(null, 500.0, 0, "p99 latency");
        assertEquals(Outcome.FAIL, p99.judge("p99", new Observation.Value(501, 10), step, JudgeMemory.EMPTY).outcome());
        assertEquals(Outcome.PASS, p99.judge("p99", new Observation.Value(500, 10), step, JudgeMemory.EMPTY).outcome());
    }
}
