package dev.aviary.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TwoSampleBernoulliMixtureTest {

    @Test
    void matchesHandComputation() {
        // Baseline 1 bad of 2, canary 2 of 2, null "canary rate <= baseline rate", Jeffreys priors.
        // Numerator: B(1.5,1.5)/B(.5,.5) x B(2.5,.5)/B(.5,.5) = (1/8)(3/8) = 3/64.
        // Null maximum: pb = pc = 3/4, likelihood (3/4)^3 (1/4) = 27/256. E = (3/64)/(27/256) = 4/9.
        double e = Math.exp(TwoSampleBernoulliMixture.JEFFREYS.logEValueAbove(new ArmCounts(2, 1), new ArmCounts(2, 2), 1.0));
        assertEquals(4.0 / 9, e, 1e-9);
    }

    @Test
    void ratioNullUsesTheConstrainedMaximum() {
        ArmCounts baseline = new ArmCounts(1000, 300), canary = new ArmCounts(1000, 450);
        // Observed ratio 1.5: against "<= 1.1" there is strong evidence, against "<= 1.6" none beyond the mixture's.
        assertTrue(TwoSampleBernoulliMixture.JEFFREYS.logEValueAbove(baseline, canary, 1.1) > Math.log(100));
        assertTrue(TwoSampleBernoulliMixture.JEFFREYS.logEValueAbove(baseline, canary, 1.6) < 0);
        assertTrue(TwoSampleBernoulliMixture.JEFFREYS.logEValueBelow(baseline, canary, 2.5) > Math.log(100));
    }
}
