package dev.aviary.analysis;

import dev.aviary.checks.CheckTypes;

import dev.aviary.checks.Threshold;
import dev.aviary.checks.istio.IstioPresets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.policy.CheckSpec;
import java.util.SplittableRandom;
import org.apache.commons.math3.special.Beta;
import org.junit.jupiter.api.Test;

class QuantileSloJudgeTest {

    private static final StepContext STEP = new StepContext(0.3, 1, 3, 0.01 / 3, 500);

    @Test
    void eValueMatchesTheTruncatedUniformMixtureWorkedByHand() {
        // A median SLO (p0 = 0.5) with concentration 2 mixes over a uniform prior truncated to (0.5, 1), density 2:
        // E = integral over (0.5, 1) of 2 (p / 0.5)^x ((1 - p) / 0.5)^(n - x) dp.
        QuantileSloJudge median = new QuantileSloJudge(0.5, 100, 0, 2);
        assertEquals(1.5, Math.exp(median.logEValue(1, 1, 0.5)), 1e-9);          // 4 (1 - 1/4) / 2
        assertEquals(7.0 / 3, Math.exp(median.logEValue(2, 2, 0.5)), 1e-9);      // 8 (1 - 1/8) / 3
        assertEquals(1.0 / 3, Math.exp(median.logEValue(2, 0, 0.5)), 1e-9);      // 8 (1/2)^3 / 3
        assertEquals(5.0 / 12, Math.exp(median.logEValue(3, 1, 0.5)), 1e-9);     // 16 (1/24 - 1/64)
    }

    @Test
    void eValueMatchesNumericalIntegrationOfTheMixtureForP99() {
        QuantileSloJudge p99 = new QuantileSloJudge(0.99, 500, 500);
        for (long[] c : new long[][] {{500, 0}, {500, 5}, {500, 10}, {1000, 30}, {200, 10}, {4210, 97}}) {
            double expected = integratedMixture(c[0], c[1], 0.01, 0.04, 3.96);
            assertEquals(expected, p99.logEValue(c[0], c[1], 0.01), 1e-6, c[0] + "/" + c[1]);
        }
        // more slow requests than allowed pushes it up, fewer pushes it below 1
        assertTrue(p99.logEValue(1000, 30, 0.01) > Math.log(300));
        assertTrue(p99.logEValue(1000, 5, 0.01) < 0);
    }

    /**
     * log of the mixture of likelihood ratios over a Beta(a, b) prior truncated to (p0, 1), by Simpson's rule on
     * u = log p (the integrand is smooth there), independently of the Beta-function closed form.
     */
    private static double integratedMixture(long n, long x, double p0, double a, double b) {
        int m = 200_000;
        double lo = Math.log(p0), hi = 0, h = (hi - lo) / m;
        double num = 0, mass = 0;
        double logNorm = -Beta.logBeta(a, b);
        // scale the likelihood ratio by its maximum so the sum does not overflow
        double peak = Double.NEGATIVE_INFINITY;
        for (int i = 0; i <= m; i++) peak = Math.max(peak, logLr(Math.exp(lo + i * h), n, x, p0));
        for (int i = 0; i <= m; i++) {
            double p = Math.exp(lo + i * h);
            double w = (i == 0 || i == m) ? 1 : (i % 2 == 1 ? 4 : 2);
            double density = Math.exp(logNorm + (a - 1) * Math.log(p) + (b - 1) * Math.log1p(-Math.min(p, 1 - 1e-15))) * p; // dp = p du
            num += w * density * Math.exp(logLr(p, n, x, p0) - peak);
            mass += w * density;
        }
        return Math.log(num / mass) + peak;
    }

    private static double logLr(double p, long n, long x, double p0) {
        double q = Math.min(p, 1 - 1e-15);
        return x * Math.log(q / p0) + (n - x) * (Math.log1p(-q) - Math.log1p(-p0));
    }

    @Test
    void failsAClearViolationAndSaysWhyInNumbers() {
        QuantileSloJudge judge = new QuantileSloJudge(0.99, 400, 500);
        Verdict v = judge.judge("p99-slo", new Observation.Exceedances(4210, 97, 455), STEP, JudgeMemory.EMPTY);
        assertEquals(Outcome.FAIL, v.outcome());
        assertTrue(v.anytimeValid());
        assertTrue(v.message().startsWith("canary p99 455 ms; 2.3% of 4,210 requests slower than 400 ms (allowed 1.0%), share >= 1."), v.message());
        assertTrue(v.message().endsWith(">= 300: rollback"), v.message());
        assertEquals(4210L, v.evidence().canaryTotal());
        assertEquals(97L, v.evidence().canaryBad());
        assertEquals(455.0, v.evidence().estimate());
        assertEquals(Math.exp(judge.logEValue(4210, 97, 0.01)), v.evidence().eValue(), 1e-6 * v.evidence().eValue());
    }

    @Test
    void passesOnceEnoughRequestsShowNoViolationAndHoldsBefore() {
        QuantileSloJudge judge = new QuantileSloJudge(0.99, 500, 500);
        Verdict early = judge.judge("p99-slo", new Observation.Exceedances(210, 1, 310), STEP, JudgeMemory.EMPTY);
        assertEquals(Outcome.INCONCLUSIVE, early.outcome());
        assertTrue(early.message().contains("waiting for 500 requests (210 so far): hold"), early.message());
        // 3 of 600 slow (0.5%): no evidence of a p99 above the bound
        Verdict pass = judge.judge("p99-slo", new Observation.Exceedances(600, 3, 310), STEP, JudgeMemory.EMPTY);
        assertEquals(Outcome.PASS, pass.outcome());
        assertTrue(pass.message().contains("after 500+ requests: pass"), pass.message());
        // 2% of 600 is above the allowed 1%, but 12 slow requests are not yet evidence at 1/alpha = 300: pass, as
        // the count comparisons' default rule does
        assertEquals(Outcome.PASS, judge.assess(new Observation.Exceedances(600, 12, 520), STEP, JudgeMemory.EMPTY).outcome());
    }

    @Test
    void noDataWithoutCountsOrEstimate() {
        QuantileSloJudge judge = new QuantileSloJudge(0.99, 500, 500);
        assertEquals(Outcome.NO_DATA, judge.judge("p", new Observation.Missing("no series"), STEP, JudgeMemory.EMPTY).outcome());
        assertEquals(Outcome.NO_DATA, judge.judge("p", new Observation.Exceedances(0, 0, Double.NaN), STEP, JudgeMemory.EMPTY).outcome());
        assertEquals(Outcome.NO_DATA, judge.judge("p", new Observation.Exceedances(800, 2, Double.NaN), STEP, JudgeMemory.EMPTY).outcome());
        assertEquals(Outcome.NO_DATA, judge.judge("p", new Observation.Exceedances(10, 11, 300), STEP, JudgeMemory.EMPTY).outcome());
        Verdict wrongKind = judge.judge("p", new Observation.Value(300, 800), STEP, JudgeMemory.EMPTY);
        assertEquals(Outcome.NO_DATA, wrongKind.outcome());
        assertTrue(wrongKind.message().contains("expected counts of requests above the bound"), wrongKind.message());
        assertThrows(IllegalArgumentException.class, () -> new QuantileSloJudge(1.0, 500, 0));
    }

    @Test
    void eValuesOfSuccessiveStepsMultiply() {
        QuantileSloJudge judge = new QuantileSloJudge(0.99, 500, 500);
        Observation first = new Observation.Exceedances(1000, 21, 480);
        JudgeMemory memory = judge.endStep(first, STEP, JudgeMemory.EMPTY);
        assertEquals(1.0, memory.get("steps", 0));
        Observation second = new Observation.Exceedances(1200, 25, 490);
        double product = judge.logEValue(1000, 21, 0.01) + judge.logEValue(1200, 25, 0.01);
        assertEquals(product, judge.assess(second, STEP, memory).logEValue(), 1e-12);
        // neither step alone reaches 300, together they do
        assertEquals(Outcome.PASS, judge.assess(second, STEP, JudgeMemory.EMPTY).outcome());
        assertEquals(Outcome.FAIL, judge.assess(second, STEP, memory).outcome());
        // a step without requests adds nothing
        assertEquals(memory, judge.endStep(new Observation.Exceedances(0, 0, Double.NaN), STEP, memory));
    }

    /**
     * Ville's inequality in practice: canaries exactly at the limit (1% of requests slower than the bound), judged
     * after every batch of requests over three steps, are failed in at most alpha of the rollouts; a threshold on
     * the observed share, looked at as often, fails most of them; a canary at 3x the limit is failed in most.
     */
    @Test
    void repeatedLooksAtTheLimitFailAtMostAlpha() {
        double alpha = 0.05;
        StepContext ctx = new StepContext(0.3, 0, 3, alpha, 500);
        QuantileSloJudge judge = new QuantileSloJudge(0.99, 500, 500);
        SplittableRandom rng = new SplittableRandom(20261122);
        int runs = 1000, falseFails = 0, naiveFails = 0;
        for (int r = 0; r < runs; r++) {
            Result res = rollout(judge, ctx, rng, 0.01);
            if (res.failed) falseFails++;
            if (res.naiveFailed) naiveFails++;
        }
        double rate = (double) falseFails / runs;
        assertTrue(rate <= alpha, "false FAIL rate " + rate);
        assertTrue(naiveFails > runs / 2, "a threshold on the observed share fails " + naiveFails + " of " + runs);
        int caught = 0;
        for (int r = 0; r < 200; r++) if (rollout(judge, ctx, rng, 0.03).failed) caught++;
        assertTrue(caught >= 180, "power " + caught + "/200");
    }

    private record Result(boolean failed, boolean naiveFailed) {}

    /** Three steps of 40 looks, 30 requests between looks. */
    private static Result rollout(QuantileSloJudge judge, StepContext ctx, SplittableRandom rng, double p) {
        JudgeMemory memory = JudgeMemory.EMPTY;
        boolean naive = false;
        for (int s = 0; s < 3; s++) {
            long n = 0, x = 0;
            Observation o = null;
            for (int look = 0; look < 40; look++) {
                for (int i = 0; i < 30; i++) {
                    n++;
                    if (rng.nextDouble() < p) x++;
                }
                o = new Observation.Exceedances(n, x, 300);
                if (judge.assess(o, ctx, memory).outcome() == Outcome.FAIL) return new Result(true, true);
                naive |= n >= 100 && (double) x / n > 0.01;
            }
            memory = judge.endStep(o, ctx, memory);
        }
        return new Result(false, naive);
    }

    @Test
    void factoryJudgesTheP99PresetAsAQuantileSlo() {
        CheckTypes factory = new CheckTypes();
        CheckSpec p99 = new Threshold.Spec("p99", IstioPresets.LATENCY_P99, null, null, 500.0, 100, "canary");
        Judge judge = factory.judge(p99);
        assertTrue(judge instanceof QuantileSloJudge, judge.getClass().getSimpleName());
        QuantileSloJudge q = (QuantileSloJudge) judge;
        assertEquals(500.0, q.maxMs());
        assertEquals(0.99, q.quantile());
        assertEquals(100, q.minSamples());
        CheckSpec successRate = new Threshold.Spec("sr", IstioPresets.SUCCESS_RATE, null, 99.0, null, 100, "canary");
        assertTrue(factory.judge(successRate) instanceof ThresholdJudge);
        CheckSpec explicit = new Threshold.Spec("q", null, "q{{arm}}", null, 1.0, 0, "canary");
        assertFalse(factory.judge(explicit) instanceof QuantileSloJudge);
    }
}
