package dev.aviary.shadow.compare;

import dev.aviary.shadow.Prediction;
import dev.aviary.shadow.PredictionComparator;
import dev.aviary.shadow.ReplayException;

/**
 * "numeric": numeric outputs (a fraud score, a regression value, a vector of them) agree when every element differs
 * by at most the tolerance, max |a_i - b_i| &lt;= tolerance. Both answers must be numbers of the same length.
 */
public final class NumericDifference implements PredictionComparator {

    private final double tolerance;

    public NumericDifference(double tolerance) {
        this.tolerance = tolerance;
    }

    @Override
    public String name() {
        return "numeric";
    }

    @Override
    public boolean agree(Prediction baseline, Prediction canary) throws ReplayException.Malformed {
        double[] a = values(baseline);
        double[] b = values(canary);
        if (a.length != b.length) {
            throw new ReplayException.Malformed(b.length + " numbers where the baseline answered " + a.length);
        }
        for (int i = 0; i < a.length; i++) {
            if (!(Math.abs(a[i] - b[i]) <= tolerance)) return false;
        }
        return true;
    }

    private static double[] values(Prediction p) throws ReplayException.Malformed {
        if (!p.isNumeric()) {
            throw new ReplayException.Malformed("the answer is classes (" + String.join(", ", p.labels().subList(0, Math.min(3, p.labels().size())))
                    + (p.labels().size() > 3 ? ", ..." : "") + "), not numbers; compare it with top1, topk, max-prob-delta or js");
        }
        double[] v = p.scores();
        if (v.length == 0) throw new ReplayException.Malformed("the answer holds no number");
        for (double x : v) {
            if (Double.isNaN(x) || Double.isInfinite(x)) throw new ReplayException.Malformed("the answer holds " + x + ", not a finite number");
        }
        return v;
    }
}
