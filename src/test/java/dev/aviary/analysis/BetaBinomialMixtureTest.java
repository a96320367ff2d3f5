package dev.aviary.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BetaBinomialMixtureTest {

    private static final BetaBinomialMixture UNIFORM = new BetaBinomialMixture(1, 1);

    @Test
    void twoSidedBayesFactorMatchesHandComputation() {
        // BF = B(1+x, 1+y) / B(1,1) / 0.5^(x+y). x=3, y=7: B(4,8) = 3! 7! / 11! = 1/1320, so BF = 1024/1320.
        assertEquals(1024.0 / 1320, Math.exp(UNIFORM.logBayesFactor(3, 7, 0.5)), 1e-12);
        // x=8, y=2: B(9,3) = 8! 2! / 11! = 1/495, so BF = 1024/495.
        assertEquals(1024.0 / 495, Math.exp(UNIFORM.logBayesFactor(8, 2, 0.5)), 1e-12);
    }

    @Test
    void oneSidedBayesFactorMatchesHandComputation() {
        // Prior uniform on (0.5, 1): prior mass 1/2. Posterior Beta(9,3): P(theta > 1/2) = P(Bin(11, 1/2) <= 8)
        // = 1 - (55 + 11 + 1)/2048 = 1981/2048. BF = (1/495)(1981/2048) / (1/2) / 2^-10 = 1981/495.
        assertEquals(1981.0 / 495, Math.exp(UNIFORM.logBayesFactorAbove(8, 2, 0.5)), 1e-9);
        // Below: P(theta < 1/2) = 67/2048, so BF = (1/495)(67/2048)(2)(1024) = 67/495.
        assertEquals(67.0 / 495, Math.exp(UNIFORM.logBayesFactorBelow(8, 2, 0.5)), 1e-9);
    }

    @Test
    void noEventsCarryNoEvidence() {
        BetaBinomialMixture m = BetaBinomialMixture.centredOn(0.1, 4);
        assertEquals(0, m.logBayesFactor(0, 0, 0.3), 1e-12);
        assertEquals(0, m.logBayesFactorAbove(0, 0, 0.3), 1e-12);
        assertEquals(0, m.logBayesFactorBelow(0, 0, 0.3), 1e-12);
    }

    @Test
    void largeCountsStayFinite() {
        BetaBinomialMixture m = BetaBinomialMixture.centredOn(0.3, 4);
        double strong = m.logBayesFactorAbove(9_000, 11_000, 0.3);
        assertTrue(strong > 100 && Double.isFinite(strong), "strong evidence expected, got " + strong);
        double none = m.logBayesFactorAbove(1_000, 19_000, 0.3);
        assertTrue(none < -10, "evidence against expected, got " + none);
    }
}
