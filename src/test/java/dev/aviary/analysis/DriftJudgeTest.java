package dev.aviary.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DriftJudgeTest {

    private static final StepContext STEP = new StepContext(0.3, 1, 4, 0.01, 500);

    @Test
    void chiSquareMatchesTheClosedForm() {
        // 2x2 table (50, 50) vs (30, 70): expected 40/40 and 60/60, chi2 = 2*100/40 + 2*100/60 = 25/3, df 1,
        // p = erfc(sqrt(chi2 / 2)) = 0.0038924171
        assertEquals(0.0038924171, DriftJudge.chiSquareP(Map.of("legit", 50L, "fraud", 50L), Map.of("legit", 30L, "fraud", 70L)), 1e-9);
        // a class only one arm predicted still counts; one class overall cannot differ
        assertTrue(DriftJudge.chiSquareP(Map.of("legit", 100L), Map.of("legit", 80L, "fraud", 20L)) < 1e-5);
        assertEquals(1, DriftJudge.chiSquareP(Map.of("legit", 100L), Map.of("legit", 100L)));
    }

    @Test
    void kolmogorovSmirnovMatchesExactValues() {
        // fully separated samples of 5: D = 1, exact p = 2 / C(10, 5) = 2/252
        assertEquals(2.0 / 252, DriftJudge.kolmogorovSmirnovP(new double[] {1, 2, 3, 4, 5}, new double[] {6, 7, 8, 9, 10}), 1e-12);
        // scipy.stats.ks_2samp(..., method='exact'): D = 5/6, p = 0.0151515
        assertEquals(0.01515151515, DriftJudge.kolmogorovSmirnovP(new double[] {1, 2, 3, 4, 5, 11}, new double[] {6, 7, 8, 9, 10, 12, 13}), 1e-9);
    }

    @Test
    void decidesOnceAtMinPairsAndSaysItIsFixedHorizon() {
        DriftJudge judge = new DriftJudge(200, "predictions");
        SplittableRandom rng = new SplittableRandom(7);
        Verdict early = judge.judge("drift", predictions(rng, 150, 0.3, 0.3, 0), STEP, JudgeMemory.EMPTY);
        assertEquals(Outcome.INCONCLUSIVE, early.outcome());
        assertTrue(early.message().contains("waiting for 200 pairs"), early.message());
        assertFalse(early.anytimeValid());

        Verdict same = judge.judge("drift", predictions(rng, 230, 0.3, 0.3, 0), STEP, JudgeMemory.EMPTY);
        assertEquals(Outcome.PASS, same.outcome(), same.message());
        assertTrue(same.message().endsWith("[fixed-horizon test at 200 pairs, not valid under continuous monitoring]"), same.message());
        assertTrue(same.message().contains("level 0.00125"), same.message()); // 0.01 / 4 steps / 2 tests

        Verdict shifted = judge.judge("drift", predictions(rng, 230, 0.3, 0.6, 0), STEP, JudgeMemory.EMPTY);
        assertEquals(Outcome.FAIL, shifted.outcome(), shifted.message());
        assertTrue(shifted.message().contains("predicted classes: chi-square p = "), shifted.message());

        Verdict scores = judge.judge("drift", predictions(rng, 230, 0.3, 0.3, 0.2), STEP, JudgeMemory.EMPTY);
        assertEquals(Outcome.FAIL, scores.outcome(), scores.message());
        assertTrue(scores.evidence().pValue() < 0.00125);
    }

    @Test
    void ksReadsTheFirstMinPairsScoresSoLaterTicksAgree() {
        DriftJudge judge = new DriftJudge(200, "predictions");
        Observation.Predictions at230 = predictions(new SplittableRandom(3), 230, 0.3, 0.3, 0);
        double[] b = at230.baselineScores(), c = at230.canaryScores();
        double[] bLater = java.util.Arrays.copyOf(b, 400), cLater = java.util.Arrays.copyOf(c, 400);
        for (int i = 230; i < 400; i++) cLater[i] = 5; // whatever comes after the horizon
        var later = new Observation.Predictions(at230.baselineClasses(), at230.canaryClasses(), bLater, cLater, ReplayFailures.NONE);
        assertEquals(judge.assess(at230, STEP).ksP(), judge.assess(later, STEP).ksP());
    }

    @Test
    void numericOutputsUseOnlyKsAndBrokenArmsAreNoData() {
        DriftJudge judge = new DriftJudge(100, "fraud scores");
        Observation.Predictions numeric = new Observation.Predictions(Map.of(), Map.of(), new SplittableRandom(1).doubles(120).toArray(),
                new SplittableRandom(2).doubles(120).toArray(), ReplayFailures.NONE);
        DriftJudge.Result r = judge.assess(numeric, STEP);
        assertNull(r.chiSquareP());
        assertEquals(0.01 / 4, r.level(), 1e-15);
        assertEquals(Outcome.PASS, r.outcome());

        var broken = new Observation.Predictions(Map.of(), Map.of(), new double[0], new double[0], new ReplayFailures(50, 0, 50, null, "timeout"));
        Verdict v = judge.judge("drift", broken, STEP, JudgeMemory.EMPTY);
        assertEquals(Outcome.NO_DATA, v.outcome());
        assertTrue(v.message().contains("the canary failed 50 of 50 replays (latest: timeout)"), v.message());
    }

    /** n pairs: classes fraud/legit with the arms' fraud shares, scores uniform (canary shifted by {@code shift}). */
    private static Observation.Predictions predictions(SplittableRandom rng, int n, double baselineFraud, double canaryFraud, double shift) {
        long bf = 0, cf = 0;
        double[] bs = new double[n], cs = new double[n];
        for (int i = 0; i < n; i++) {
            if (rng.nextDouble() < baselineFraud) bf++;
            if (rng.nextDouble() < canaryFraud) cf++;
            bs[i] = 0.5 + 0.5 * rng.nextDouble();
            cs[i] = Math.min(1, 0.5 + 0.5 * rng.nextDouble() + shift);
        }
        return new Observation.Predictions(Map.of("fraud", bf, "legit", n - bf), Map.of("fraud", cf, "legit", n - cf), bs, cs,
                ReplayFailures.NONE);
    }
}
