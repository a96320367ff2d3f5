package dev.aviary.shadow.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.shadow.CompareSpec;
import dev.aviary.shadow.Prediction;
import dev.aviary.shadow.PredictionComparator;
import dev.aviary.shadow.ReplayException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each comparator against values computed by hand (the tutorial's ResNet top-5 answers, closed-form divergences). */
class ComparatorsTest {

    /** ResNet101's and ResNet50's top-5 answers to the tutorial's image, as TF Serving returns them. */
    static final Prediction RESNET101 = Prediction.classes(List.of("military uniform", "bow tie", "suit", "bearskin", "pickelhaube"),
            new double[] {0.94, 0.02, 0.015, 0.01, 0.005});
    static final Prediction RESNET50 = Prediction.classes(List.of("military uniform", "suit", "academic gown", "bow tie", "mortarboard"),
            new double[] {0.45, 0.2, 0.15, 0.1, 0.05});

    @Test
    void topOneComparesTheMostProbableLabelWhateverTheOrderTheAnswerListsThemIn() throws Exception {
        PredictionComparator top1 = Comparators.of(CompareSpec.TOP1);
        assertTrue(top1.agree(RESNET101, RESNET50));
        Prediction unordered = Prediction.classes(List.of("suit", "military uniform"), new double[] {0.3, 0.7});
        assertTrue(top1.agree(unordered, Prediction.label("military uniform")));
        assertFalse(top1.agree(Prediction.classes(List.of("suit", "military uniform"), new double[] {0.7, 0.3}), RESNET101));
        // a bare probability vector: classes by index
        assertTrue(top1.agree(Prediction.values(0.1, 0.9), Prediction.values(0.4, 0.6)));
        assertFalse(top1.agree(Prediction.values(0.1, 0.9), Prediction.values(0.6, 0.4)));
    }

    @Test
    void topOneOfASingleNumberIsNotAComparisonButAMalformedReplay() {
        ReplayException.Malformed e = assertThrows(ReplayException.Malformed.class,
                () -> new TopOne().agree(Prediction.values(0.83), Prediction.values(0.81)));
        assertEquals("the answer is a single number (0.83), not classes; compare it with numeric", e.getMessage());
    }

    @Test
    void topKCountsTheSharedLabelsAmongTheKMostProbable() throws Exception {
        // top-3: {military uniform, bow tie, suit} vs {military uniform, suit, academic gown}: 2 shared, 2/3
        assertTrue(Comparators.of(new CompareSpec("topk", 3, 2.0 / 3, 0)).agree(RESNET101, RESNET50));
        assertFalse(Comparators.of(new CompareSpec("topk", 3, 0.7, 0)).agree(RESNET101, RESNET50));
        // top-5: 3 shared (military uniform, bow tie, suit), exactly 60%
        assertTrue(Comparators.of(new CompareSpec("topk", 5, 0.6, 0)).agree(RESNET101, RESNET50));
        assertFalse(Comparators.of(new CompareSpec("topk", 5, 0.8, 0)).agree(RESNET101, RESNET50));
        ReplayException.Malformed e = assertThrows(ReplayException.Malformed.class,
                () -> new TopK(10, 0.5).agree(RESNET101, RESNET50));
        assertEquals("the answer has 5 labels, fewer than k = 10", e.getMessage());
    }

    @Test
    void maxProbabilityDeltaTakesTheUnionOfLabelsAndAMissingLabelIsZero() throws Exception {
        // military uniform |0.94-0.45| = 0.49 is the largest; academic gown 0.15 vs missing (0) is smaller
        assertEquals(0.49, MaxProbabilityDelta.delta(Ranking.probabilities(RESNET101), Ranking.probabilities(RESNET50)), 1e-12);
        assertTrue(new MaxProbabilityDelta(0.5).agree(RESNET101, RESNET50));
        assertFalse(new MaxProbabilityDelta(0.48).agree(RESNET101, RESNET50));
        // a label only one side lists decides when it is the largest difference
        Prediction a = Prediction.classes(List.of("cat", "dog"), new double[] {0.5, 0.5});
        Prediction b = Prediction.classes(List.of("cat", "fox"), new double[] {0.5, 0.3});
        assertEquals(0.5, MaxProbabilityDelta.delta(Ranking.probabilities(a), Ranking.probabilities(b)), 1e-12);
        ReplayException.Malformed e = assertThrows(ReplayException.Malformed.class,
                () -> new MaxProbabilityDelta(0.1).agree(Prediction.label("cat"), a));
        assertEquals("the answer is the bare label \"cat\" without probabilities; compare it with top1", e.getMessage());
    }

    @Test
    void jensenShannonMatchesItsClosedForms() throws Exception {
        // disjoint supports: exactly 1 bit
        assertEquals(1.0, JensenShannon.divergence(Map.of("a", 1.0), Map.of("b", 1.0)), 1e-12);
        // identical: 0
        assertEquals(0.0, JensenShannon.divergence(Map.of("a", 0.3, "b", 0.7), Map.of("a", 0.3, "b", 0.7)), 1e-12);
        // (1, 0) vs (1/2, 1/2): H(3/4, 1/4) - (H(1, 0) + H(1/2, 1/2)) / 2 = 0.8112781244591328 - 1/2
        double h = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)) / Math.log(2);
        assertEquals(h - 0.5, JensenShannon.divergence(Map.of("a", 1.0), Map.of("a", 0.5, "b", 0.5)), 1e-12);
        assertEquals(0.3112781244591328, h - 0.5, 1e-15);
        // the comparator normalises first: (2, 0) and (1, 1) are the same distributions as above
        Prediction p = Prediction.values(2, 0);
        Prediction q = Prediction.values(1, 1);
        assertTrue(new JensenShannon(0.3113).agree(p, q));
        assertFalse(new JensenShannon(0.3112).agree(p, q));
    }

    @Test
    void numericDifferenceComparesElementWiseWithinTheTolerance() throws Exception {
        assertTrue(new NumericDifference(0.05).agree(Prediction.values(0.83), Prediction.values(0.79)));
        assertFalse(new NumericDifference(0.03).agree(Prediction.values(0.83), Prediction.values(0.79)));
        assertFalse(new NumericDifference(0.05).agree(Prediction.values(1, 2, 3), Prediction.values(1, 2, 3.06)));
        assertTrue(new NumericDifference(0).agree(Prediction.values(1, 2, 3), Prediction.values(1, 2, 3)));
        assertEquals("3 numbers where the baseline answered 2", assertThrows(ReplayException.Malformed.class,
                () -> new NumericDifference(1).agree(Prediction.values(1, 2), Prediction.values(1, 2, 3))).getMessage());
        assertEquals("the answer is classes (legit), not numbers; compare it with top1, topk, max-prob-delta or js",
                assertThrows(ReplayException.Malformed.class,
                        () -> new NumericDifference(1).agree(Prediction.label("legit"), Prediction.values(1))).getMessage());
        assertThrows(ReplayException.Malformed.class, () -> new NumericDifference(1).agree(Prediction.values(Double.NaN), Prediction.values(1)));
    }

    @Test
    void theListKnowsEveryMethodByItsPolicyNameAndRefusesOthers() {
        for (String name : Comparators.NAMES) {
            assertEquals(name, Comparators.of(new CompareSpec(name, 1, 1, 0.1)).name());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Comparators.of(new CompareSpec("cosine", 1, 1, 0)));
        assertEquals("unknown compare method \"cosine\"; use one of top1, topk, max-prob-delta, js, numeric", e.getMessage());
    }
}
