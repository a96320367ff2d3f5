package dev.aviary.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BernoulliRateSequenceTest {

    @Test
    void eValuesAreTheBetaMixtureBayesFactors() {
        // concentration 2 centred on 1/2 is the uniform prior: the Bayes factor above 1/2 for 8 of 10 is 1981/495
        // (see BetaBinomialMixtureTest for the hand computation), below 1/2 it is 67/495.
        BernoulliRateSequence s = new BernoulliRateSequence(2);
        assertEquals(Math.log(1981.0 / 495), s.logEValueAbove(8, 2, 0.5), 1e-9);
        assertEquals(Math.log(67.0 / 495), s.logEValueBelow(8, 2, 0.5), 1e-9);
    }

    @Test
    void lowerBoundCrossesTheNullExactlyWhereItsEValueReachesOneOverAlpha() {
        // e-value at 1/2 is 1981/495 = 4.00202...: at alpha = 1/4.002 one half is rejected, at 1/4.0025 it is not
        BernoulliRateSequence s = new BernoulliRateSequence(2);
        assertTrue(s.lowerBound(8, 2, 1 / 4.002) > 0.5);
        assertTrue(s.lowerBound(8, 2, 1 / 4.0025) < 0.5);
    }

    @Test
    void boundsSolveTheirDefiningEquation() {
        BernoulliRateSequence s = new BernoulliRateSequence(4);
        double alpha = 0.01 / 3;
        double lower = s.lowerBound(970, 30, alpha), upper = s.upperBound(970, 30, alpha);
        assertEquals(Math.log(1 / alpha), s.logEValueAbove(970, 30, lower), 1e-6);
        assertEquals(Math.log(1 / alpha), s.logEValueBelow(970, 30, upper), 1e-6);
        assertTrue(lower < 0.97 && 0.97 < upper, lower + " .. " + upper);
        // about the width a fixed-sample 99.67% interval would have (+-1.6 points), somewhat wider for anytime validity
        assertTrue(lower > 0.94 && upper < 0.99, lower + " .. " + upper);
    }

    @Test
    void noFailureNeverRejectsFromAboveAndNoSuccessNeverFromBelow() {
        BernoulliRateSequence s = new BernoulliRateSequence(4);
        assertEquals(1, s.upperBound(5_000, 0, 0.01));
        assertEquals(0, s.lowerBound(0, 5_000, 0.01));
        assertEquals(0, s.lowerBound(0, 0, 0.01));
        assertEquals(1, s.upperBound(0, 0, 0.01));
    }

    /**
     * Seeded coverage: 1,000 runs of 2,000 pairs at a true agreement of 95%, looked at every 5 pairs. The sequence
     * excludes the true rate on a side exactly when the e-value against it reaches 1/alpha, so that is what is
     * counted (consistency with the bounds is checked on the way). A fixed-sample Wald interval at the same level,
     * looked at as often, misses far more often: the check can fail.
     */
    @Test
    void coversTheTrueRateAtAllLooksWithProbabilityAtLeastOneMinusAlpha() {
        BernoulliRateSequence s = new BernoulliRateSequence(AgreementJudge.DEFAULT_CONCENTRATION);
        double p = 0.95, alpha = 0.05, threshold = Math.log(1 / alpha);
        double z = 1.6449; // one-sided 95% normal quantile
        int runs = 1000, lowerMiss = 0, upperMiss = 0, waldMiss = 0;
        SplittableRandom rng = new SplittableRandom(42);
        for (int run = 0; run < runs; run++) {
            long agreed = 0;
            boolean lo = false, up = false, wald = false;
            for (int n = 1; n <= 2000; n++) {
                if (rng.nextDouble() < p) agreed++;
                if (n % 5 != 0) continue;
                long disagreed = n - agreed;
                if (!lo && s.logEValueAbove(agreed, disagreed, p) >= threshold) lo = true;
                if (!up && s.logEValueBelow(agreed, disagreed, p) >= threshold) up = true;
                double hat = (double) agreed / n, se = Math.sqrt(hat * (1 - hat) / n);
                if (!wald && n >= 30 && (hat - z * se > p || hat + z * se < p)) wald = true;
            }
            if (run < 5) {
                long disagreed = 2000 - agreed;
                assertEquals(s.lowerBound(agreed, disagreed, alpha) > p, s.logEValueAbove(agreed, disagreed, p) >= threshold);
                assertEquals(s.upperBound(agreed, disagreed, alpha) < p, s.logEValueBelow(agreed, disagreed, p) >= threshold);
            }
            if (lo) lowerMiss++;
            if (up) upperMiss++;
            if (wald) waldMiss++;
        }
        assertTrue(lowerMiss <= alpha * runs, "lower bound above the true rate in " + lowerMiss + " of " + runs + " runs");
        assertTrue(upperMiss <= alpha * runs, "upper bound below the true rate in " + upperMiss + " of " + runs + " runs");
        assertTrue(waldMiss > 4 * alpha * runs, "a repeatedly looked-at Wald interval should miss often, missed " + waldMiss);
    }
}
