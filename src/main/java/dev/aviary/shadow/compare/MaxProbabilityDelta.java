package dev.aviary.shadow.compare;

import dev.aviary.shadow.Prediction;
import dev.aviary.shadow.PredictionComparator;
import dev.aviary.shadow.ReplayException;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * "max-prob-delta": no label's probability differs between the arms by more than the tolerance, max over the union
 * of labels of |p_a - p_b|. A label one answer does not list counts as probability 0 there (a top-k answer leaves
 * out the labels it ranks lower).
 */
public final class MaxProbabilityDelta implements PredictionComparator {

    private final double tolerance;

    public MaxProbabilityDelta(double tolerance) {
        this.tolerance = tolerance;
    }

    @Override
    public String name() {
        return "max-prob-delta";
    }

    @Override
    public boolean agree(Prediction baseline, Prediction canary) throws ReplayException.Malformed {
        return delta(Ranking.probabilities(baseline), Ranking.probabilities(canary)) <= tolerance;
    }

    static double delta(Map<String, Double> a, Map<String, Double> b) {
        Set<String> labels = new HashSet<>(a.keySet());
        labels.addAll(b.keySet());
        double max = 0;
        for (String l : labels) max = Math.max(max, Math.abs(a.getOrDefault(l, 0.0) - b.getOrDefault(l, 0.0)));
        return max;
    }
}
