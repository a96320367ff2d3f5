package dev.aviary.shadow.compare;

import dev.aviary.shadow.Prediction;
import dev.aviary.shadow.ReplayException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the comparators read a {@link Prediction}: its top label, its labels ranked, its probabilities by label. A
 * numeric vector of two or more values with no labels is read as probabilities of the classes "0", "1", ... (a bare
 * probability vector the policy gave no labels for); a single numeric value is a score, not a class.
 */
public final class Ranking {

    private Ranking() {
    }

    /** The predicted class: the most probable label (ties: the first given), or the bare label. */
    public static String topLabel(Prediction p) throws ReplayException.Malformed {
        return ranked(p).get(0);
    }

    /** The labels from most to least probable; ties keep the order the answer gave them in. */
    public static List<String> ranked(Prediction p) throws ReplayException.Malformed {
        if (p.isNumeric() && p.scores().length < 2) throw notAClass(p);
        if (p.scores().length == 0) return p.labels();
        Map<String, Double> probabilities = probabilities(p);
        List<String> labels = new ArrayList<>(probabilities.keySet());
        labels.sort(Comparator.comparingDouble((String l) -> probabilities.get(l)).reversed());
        return labels;
    }

    /**
     * Each label's probability. A label listed twice keeps its larger probability (some servers repeat a label across
     * heads); a probability that is negative or not a number is refused.
     */
    public static Map<String, Double> probabilities(Prediction p) throws ReplayException.Malformed {
        double[] scores = p.scores();
        if (scores.length == 0) {
            throw new ReplayException.Malformed("the answer is the bare label \"" + p.labels().get(0)
                    + "\" without probabilities; compare it with top1");
        }
        if (p.isNumeric() && scores.length < 2) throw notAClass(p);
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < scores.length; i++) {
            if (!(scores[i] >= 0) || Double.isInfinite(scores[i])) {
                throw new ReplayException.Malformed("probability " + scores[i] + " is not a number >= 0");
            }
            String label = p.isNumeric() ? Integer.toString(i) : p.labels().get(i);
            out.merge(label, scores[i], Math::max);
        }
        return out;
    }

    /** The answer's score for drift tests: the top label's probability, or the first numeric value; NaN for a bare label. */
    public static double score(Prediction p) {
        double[] scores = p.scores();
        if (scores.length == 0) return Double.NaN;
        if (p.isNumeric()) return scores[0];
        double best = scores[0];
        for (double s : scores) best = Math.max(best, s);
        return best;
    }

    private static ReplayException.Malformed notAClass(Prediction p) {
        return new ReplayException.Malformed(p.scores().length == 0 ? "the answer holds no prediction"
                : "the answer is a single number (" + p.scores()[0] + "), not classes; compare it with numeric");
    }
}
