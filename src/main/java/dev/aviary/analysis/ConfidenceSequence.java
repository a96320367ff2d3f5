package dev.aviary.analysis;

import java.util.function.DoubleUnaryOperator;

/**
 * Bounds of a confidence sequence obtained by inverting a family of e-processes: a ratio r stays in the sequence
 * while the e-value against it is below 1/alpha. Time-uniform: with probability &ge; 1 - alpha the true value is
 * never excluded, at any tick of any step (Ville's inequality applied to the e-process at the true value).
 */
public final class ConfidenceSequence {

    /** Bounds are searched over ratios e^-LOG_RANGE .. e^LOG_RANGE; beyond that they are reported as 0 or infinity. */
    static final double LOG_RANGE = 9;

    private ConfidenceSequence() {}

    /**
     * The lower bound: the smallest ratio not rejected by the "above" e-processes (whose evidence falls as the
     * null ratio rises). 0 when nothing is rejected.
     *
     * @param logEAbove log e-value against "ratio &le; r", as a function of r
     */
    public static double lowerBound(DoubleUnaryOperator logEAbove, double alpha) {
        double threshold = Math.log(1 / alpha);
        if (!(logEAbove.applyAsDouble(Math.exp(-LOG_RANGE)) >= threshold)) return 0;
        if (logEAbove.applyAsDouble(Math.exp(LOG_RANGE)) >= threshold) return Double.POSITIVE_INFINITY;
        double lo = -LOG_RANGE, hi = LOG_RANGE; // rejected at lo, kept at hi
        for (int i = 0; i < 50; i++) {
            double mid = 0.5 * (lo + hi);
            if (logEAbove.applyAsDouble(Math.exp(mid)) >= threshold) lo = mid; else hi = mid;
        }
        return Math.exp(lo);
    }

    /**
     * The upper bound: the largest ratio not rejected by the "below" e-processes. Infinity when nothing is
     * rejected.
     *
     * @param logEBelow log e-value against "ratio &ge; r", as a function of r
     */
    public static double upperBound(DoubleUnaryOperator logEBelow, double alpha) {
        double threshold = Math.log(1 / alpha);
        if (!(logEBelow.applyAsDouble(Math.exp(LOG_RANGE)) >= threshold)) return Double.POSITIVE_INFINITY;
        if (logEBelow.applyAsDouble(Math.exp(-LOG_RANGE)) >= threshold) return 0;
        double lo = -LOG_RANGE, hi = LOG_RANGE; // kept at lo, rejected at hi
        for (int i = 0; i < 50; i++) {
            double mid = 0.5 * (lo + hi);
            if (logEBelow.applyAsDouble(Math.exp(mid)) >= threshold) hi = mid; else lo = mid;
        }
        return Math.exp(hi);
    }

    /** Bounds on a share are searched over logit -LOGIT_RANGE .. LOGIT_RANGE (about 1e-7 .. 1 - 1e-7). */
    static final double LOGIT_RANGE = 16;

    /**
     * The lower bound on a share in (0, 1): the smallest share not rejected by the "above" e-processes. 0 when
     * nothing is rejected. Searched on the logit scale, where shares near 0 and 1 keep their precision.
     *
     * @param logEAbove log e-value against "share &le; p", as a function of p
     */
    public static double lowerShare(DoubleUnaryOperator logEAbove, double alpha) {
        double threshold = Math.log(1 / alpha);
        double lo = -LOGIT_RANGE, hi = LOGIT_RANGE; // rejected at lo, kept at hi
        if (!(logEAbove.applyAsDouble(expit(lo)) >= threshold)) return 0;
        if (logEAbove.applyAsDouble(expit(hi)) >= threshold) return 1;
        for (int i = 0; i < 50; i++) {
            double mid = 0.5 * (lo + hi);
            if (logEAbove.applyAsDouble(expit(mid)) >= threshold) lo = mid; else hi = mid;
        }
        return expit(lo);
    }

    /**
     * The upper bound on a share in (0, 1): the largest share not rejected by the "below" e-processes. 1 when
     * nothing is rejected.
     *
     * @param logEBelow log e-value against "share &ge; p", as a function of p
     */
    public static double upperShare(DoubleUnaryOperator logEBelow, double alpha) {
        // mirrored: a rate p below which the data lie is a share 1 - p above which they lie
        return 1 - lowerShare(q -> logEBelow.applyAsDouble(1 - q), alpha);
    }

    private static double expit(double x) {
        return 1 / (1 + Math.exp(-x));
    }
}
