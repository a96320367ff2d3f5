package dev.aviary.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AgreementJudgeTest {

    private static final StepContext STEP = new StepContext(0.1, 0, 4, 0.01 / 3, 500);
    private final AgreementJudge judge = new AgreementJudge(0.95, 200);

    private static Observation.Pairs pairs(long compared, long agreed) {
        return new Observation.Pairs(compared, agreed, new ReplayFailures(compared + 2, 1, 1, "timeout after 5s", "HTTP 503"));
    }

    @Test
    void highAgreementPassesOnceTheStepHasMinPairs() {
        Verdict early = judge.judge("agreement", pairs(150, 150), STEP, JudgeMemory.EMPTY);
        assertEquals(Outcome.INCONCLUSIVE, early.outcome(), early.message());
        assertTrue(early.message().contains("waiting for 200 pairs in the step (150 so far)"), early.message());

        Verdict v = judge.judge("agreement", pairs(600, 594), STEP, JudgeMemory.EMPTY);
        assertEquals(Outcome.PASS, v.outcome(), v.message());
        assertTrue(v.anytimeValid());
        assertTrue(v.evidence().lower() >= 0.95 && v.evidence().lower() < 0.99, v.message());
        assertEquals(0.99, v.evidence().estimate(), 1e-12);
        assertTrue(v.message().startsWith("canary agrees with the baseline on 99.0% of 600 pairs, agreement >= "), v.message());
        assertTrue(v.message().contains("with 99.67% confidence, at least the required 95.0%; failed replays: baseline 1, canary 1 of 602: pass"),
                v.message());
    }

    @Test
    void lowAgreementFailsWhenTheUpperBoundFallsBelowMinAgreement() {
        Verdict v = judge.judge("agreement", pairs(300, 255), STEP, JudgeMemory.EMPTY);
        assertEquals(Outcome.FAIL, v.outcome(), v.message());
        assertTrue(v.evidence().upper() < 0.95, v.message());
        assertTrue(v.evidence().eValue() >= 300, v.message());
        assertTrue(v.message().contains("below the required 95.0%") && v.message().endsWith(": rollback"), v.message());
        // FAIL needs no minPairs: the evidence is what protects a good canary
        assertEquals(Outcome.FAIL, judge.assess(pairs(120, 90), STEP, JudgeMemory.EMPTY).outcome());
    }

    @Test
    void borderlineAgreementHolds() {
        Verdict v = judge.judge("agreement", pairs(400, 382), STEP, JudgeMemory.EMPTY);
        assertEquals(Outcome.INCONCLUSIVE, v.outcome(), v.message());
        assertTrue(v.evidence().lower() < 0.95 && v.evidence().upper() > 0.95, v.message());
        assertTrue(v.message().contains("not yet shown to be at least 95.0%"), v.message());
    }

    @Test
    void noPairsOrAnArmThatFailsMostReplaysIsNoData() {
        Verdict none = judge.judge("agreement", new Observation.Pairs(0, 0, ReplayFailures.NONE), STEP, JudgeMemory.EMPTY);
        assertEquals(Outcome.NO_DATA, none.outcome());
        assertEquals("agreement: no pairs of answers in this step yet", none.message());

        // the canary answered 40 of 200: its few answers are no sample, even though they all agree
        Observation.Pairs broken = new Observation.Pairs(40, 40, new ReplayFailures(200, 0, 160, null, "HTTP 500 from http://canary:8501"));
        Verdict v = judge.judge("agreement", broken, STEP, JudgeMemory.EMPTY);
        assertEquals(Outcome.NO_DATA, v.outcome());
        assertEquals("agreement: the canary failed 160 of 200 replays (latest: HTTP 500 from http://canary:8501); fix the "
                + "arm's endpoint or the payloads before its answers can be compared", v.message());

        Observation.Pairs both = new Observation.Pairs(0, 0, new ReplayFailures(10, 10, 10, "connection refused", "connection refused"));
        assertTrue(judge.judge("agreement", both, STEP, JudgeMemory.EMPTY).message().contains("the baseline failed 10 of 10 replays"
                + " (latest: connection refused); the canary failed 10 of 10"));

        // exactly half failed is still judged
        Observation.Pairs half = new Observation.Pairs(100, 100, new ReplayFailures(200, 0, 100, null, "timeout"));
        assertFalse(judge.assess(half, STEP, JudgeMemory.EMPTY).outcome() == Outcome.NO_DATA);

        Verdict inconsistent = judge.judge("agreement", new Observation.Pairs(10, 12, ReplayFailures.NONE), STEP, JudgeMemory.EMPTY);
        assertEquals(Outcome.NO_DATA, inconsistent.outcome());
        assertTrue(inconsistent.message().contains("inconsistent counts: 12 agreeing of 10 pairs"));
    }

    @Test
    void pairsOfEarlierStepsCarryIntoTheSequence() {
        // 88% agreement on 150 pairs is not yet enough to fail; with the 150 of the step before, it is
        assertEquals(Outcome.INCONCLUSIVE, judge.assess(pairs(150, 132), STEP, JudgeMemory.EMPTY).outcome());
        JudgeMemory memory = judge.endStep(pairs(150, 132), STEP, JudgeMemory.EMPTY);
        assertEquals(132, memory.get("agreed", 0));
        assertEquals(18, memory.get("disagreed", 0));
        Verdict v = judge.judge("agreement", pairs(150, 132), STEP, memory);
        assertEquals(Outcome.FAIL, v.outcome(), v.message());
        assertTrue(v.message().startsWith("canary agrees with the baseline on 88.0% of 300 pairs (150 in this step)"), v.message());
        // a step without usable pairs adds nothing
        assertEquals(memory, judge.endStep(new Observation.Missing("down"), STEP, memory));
    }

    @Test
    void minAgreementMustBeShowable() {
        assertTrue(assertThrowsIae(() -> new AgreementJudge(1, 200)));
        assertTrue(assertThrowsIae(() -> new AgreementJudge(0, 200)));
    }

    private static boolean assertThrowsIae(Runnable r) {
        try {
            r.run();
            return false;
        } catch (IllegalArgumentException e) {
            return true;
        }
    }
}
