package dev.aviary.shadow.compare;

import dev.aviary.shadow.Prediction;
import dev.aviary.shadow.PredictionComparator;
import dev.aviary.shadow.ReplayException;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * "js": the Jensen-Shannon divergence (base 2, so between 0 and 1) of the arms' class distributions is at most the
 * tolerance. Each answer's probabilities are normalised to sum to 1 first (a top-k answer lists only part of the
 * mass); a label one answer does not list has probability 0 there.
 */
public final class JensenShannon implements PredictionComparator {

    private final double tolerance;

    public JensenShannon(double tolerance) {
        this.tolerance = tolerance;
    }

    @Override
    public String name() {
        return "js";
    }

    @Override
    public boolean agree(Prediction baseline, Prediction canary) throws ReplayException.Malformed {
        return divergence(normalised(Ranking.probabilities(baseline)), normalised(Ranking.probabilities(canary))) <= tolerance;
    }

    /** JS(P, Q) = (KL(P || M) + KL(Q || M)) / 2 with M = (P + Q) / 2, in bits; 0 log 0 = 0. */
    static double divergence(Map<String, Double> p, Map<String, Double> q) {
        Set<String> labels = new HashSet<>(p.keySet());
        labels.addAll(q.keySet());
        double js = 0;
        for (String l : labels) {
            double a = p.getOrDefault(l, 0.0);
            double b = q.getOrDefault(l, 0.0);
            double m = (a + b) / 2;
            if (a > 0) js += a * Math.log(a / m);
            if (b > 0) js += b * Math.log(b / m);
        }
        // rounding can leave a hair below 0 or above 1
        return Math.min(1, Math.max(0, js / 2 / Math.log(2)));
    }

    private static Map<String, Double> normalised(Map<String, Double> probabilities) throws ReplayException.Malformed {
        double sum = probabilities.values().stream().mapToDouble(Double::doubleValue).sum();
        if (!(sum > 0)) throw new ReplayException.Malformed("every probability in the answer is 0");
        Map<String, Double> out = new HashMap<>();
        probabilities.forEach((l, v) -> out.put(l, v / sum));
        return out;
    }
}
