package dev.aviary.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Expected values are R's wilcox.test(x = canary, y = baseline, exact = FALSE, correct = TRUE). */
class BinnedMannWhitneyTest {

    @Test
    void rDocumentationExampleWithoutTies() {
        // From ?wilcox.test: x <- c(0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46)
        //                    y <- c(1.15, 0.88, 0.90, 0.74, 1.21)
        // wilcox.test(x, y, alternative = "greater", exact = FALSE, correct = TRUE): W = 35, p-value = 0.1223
        // (two-sided: 0.2446). Sorted pooled values, one bin each: x at ranks 1,3,4,8,11,12,13,14,15.
        double[] sorted = {0.73, 0.74, 0.80, 0.83, 0.88, 0.90, 1.04, 1.15, 1.21, 1.38, 1.45, 1.46, 1.64, 1.89, 1.91};
        double[] y = {1.15, 0.88, 0.90, 0.74, 1.21};
        long[] canary = new long[sorted.length], baseline = new long[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            boolean inY = false;
            for (double v : y) inY |= v == sorted[i];
            if (inY) baseline[i]++; else canary[i]++;
        }
        BinnedMannWhitney.Result r = BinnedMannWhitney.test(baseline, canary);
        assertEquals(35, r.w(), 1e-9);
        assertEquals(0.12231180256349167, r.pGreater(), 1e-9);
        assertEquals(0.24462360512698333, r.pTwoSided(), 1e-9);
    }

    @Test
    void binnedDataWithTies() {
        // By hand: ties t = 4,7,6,4; mid-ranks 2.5, 8, 14.5, 19.5; canary rank sum 135; W = 135 - 55 = 80;
        // sigma^2 = 110/12 (22 - 666/420); z = (80 - 55 - 0.5)/sigma = 1.791.
        // R: wilcox.test(rep(1:4, c(1,2,4,3)), rep(1:4, c(3,5,2,1)), exact = FALSE, correct = TRUE)
        //    W = 80, p-value = 0.07329 (alternative = "greater": 0.03665)
        BinnedMannWhitney.Result r = BinnedMannWhitney.test(new long[] {3, 5, 2, 1}, new long[] {1, 2, 4, 3});
        assertEquals(80, r.w(), 1e-9);
        assertEquals(0.07329482730887303, r.pTwoSided(), 1e-9);
        assertEquals(0.036647413654436516, r.pGreater(), 1e-9);
    }

    @Test
    void binaryOutcomesAsTwoBins() {
        // Errors as bins {ok, error}: baseline 10 of 1000, canary 20 of 500.
        // R: wilcox.test(rep(0:1, c(480,20)), rep(0:1, c(990,10)), exact = FALSE, correct = TRUE)
        //    W = 257500, p-value = 9.201e-05
        BinnedMannWhitney.Result r = BinnedMannWhitney.test(new long[] {990, 10}, new long[] {480, 20});
        assertEquals(257500, r.w(), 1e-6);
        assertEquals(9.201418713259412e-05, r.pTwoSided(), 1e-10);
    }

    @Test
    void judgeFailsOnlyWhenCanaryIsHigherAndSaysItIsNotAnytimeValid() {
        MannWhitneyJudge judge = new MannWhitneyJudge(0.98);
        StepContext step = new StepContext(0.3, 0, 3, 0.01, 100);
        double[] bounds = {0.5, Double.POSITIVE_INFINITY};
        Verdict worse = judge.judge("errors", new Observation.Histogram(bounds, new long[] {990, 10}, new long[] {480, 20}), step, JudgeMemory.EMPTY);
        assertEquals(Outcome.FAIL, worse.outcome());
        assertEquals(false, worse.anytimeValid());
        org.junit.jupiter.api.Assertions.assertTrue(worse.message().contains("not valid under continuous monitoring"), worse.message());
        Verdict better = judge.judge("errors", new Observation.Histogram(bounds, new long[] {480, 20}, new long[] {990, 10}), step, JudgeMemory.EMPTY);
        assertEquals(Outcome.PASS, better.outcome());
    }
}
