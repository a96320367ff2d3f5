package dev.aviary.analysis;

import org.apache.commons.math3.special.Beta;

/**
 * An e-process for two independent Bernoulli samples (requests of each arm, bad or not) against a null on the
 * ratio of their rates, for bad events too common for the "which arm" conditioning of
 * {@link BetaBinomialMixture} to be efficient. In the spirit of Turner &amp; Grünwald's safe tests for 2x2 tables,
 * but built so it is a function of cumulative counts only: the numerator mixes the likelihood over independent
 * Beta priors on both rates; the denominator is the largest likelihood any null pair of rates attains.
 *
 * <p>Why it is valid: for the true null pair (pb, pc), numerator / sup_null &le; numerator / L(pb, pc), and the
 * latter is a mixture likelihood ratio, a test martingale under (pb, pc). So the process is dominated by a test
 * martingale and Ville's inequality applies. Request counts per arm are ancillary (routing does not depend on the
 * outcomes), so the order and batching of requests do not matter. The price is the nuisance rate: about
 * half a log(n) of evidence compared with knowing the baseline rate.
 *
 * @param a Beta prior parameter for each rate (pseudo-count of bad events)
 * @param b Beta prior parameter for each rate (pseudo-count of good events)
 */
public record TwoSampleBernoulliMixture(double a, double b) {

    /** Jeffreys prior on each rate: a standard, scale-free choice. */
    public static final TwoSampleBernoulliMixture JEFFREYS = new TwoSampleBernoulliMixture(0.5, 0.5);

    public TwoSampleBernoulliMixture {
        if (!(a > 0) || !(b > 0)) throw new IllegalArgumentException("Beta prior parameters must be positive");
    }

    /** log e-value against "canary rate &le; ratio x baseline rate". */
    public double logEValueAbove(ArmCounts baseline, ArmCounts canary, double ratio) {
        if (observedRatioBelow(baseline, canary, ratio, true)) return logMixture(baseline, canary) - logMaxUnconstrained(baseline, canary);
        return logMixture(baseline, canary) - logMaxOnBoundary(baseline, canary, ratio);
    }

    /** log e-value against "canary rate &ge; ratio x baseline rate". */
    public double logEValueBelow(ArmCounts baseline, ArmCounts canary, double ratio) {
        if (observedRatioBelow(baseline, canary, ratio, false)) return logMixture(baseline, canary) - logMaxUnconstrained(baseline, canary);
        return logMixture(baseline, canary) - logMaxOnBoundary(baseline, canary, ratio);
    }

    /** Whether the unconstrained maximum lies inside the null (above: pc &le; r pb; below: pc &ge; r pb). */
    private static boolean observedRatioBelow(ArmCounts baseline, ArmCounts canary, double ratio, boolean above) {
        double lhs = (double) canary.bad() * baseline.total();
        double rhs = ratio * baseline.bad() * canary.total();
        return above ? lhs <= rhs : lhs >= rhs;
    }

    double logMixture(ArmCounts baseline, ArmCounts canary) {
        return Beta.logBeta(a + baseline.bad(), b + baseline.total() - baseline.bad()) - Beta.logBeta(a, b)
                + Beta.logBeta(a + canary.bad(), b + canary.total() - canary.bad()) - Beta.logBeta(a, b);
    }

    static double logMaxUnconstrained(ArmCounts baseline, ArmCounts canary) {
        return binomialLogLik(baseline.bad(), baseline.total(), (double) baseline.bad() / Math.max(1, baseline.total()))
                + binomialLogLik(canary.bad(), canary.total(), (double) canary.bad() / Math.max(1, canary.total()));
    }

    /** max over p of the log likelihood with pb = p, pc = ratio p (concave in p, so bisect on its slope). */
    static double logMaxOnBoundary(ArmCounts baseline, ArmCounts canary, double ratio) {
        long xb = baseline.bad(), nb = baseline.total(), xc = canary.bad(), nc = canary.total();
        double hi = Math.min(1.0, 1.0 / ratio);
        if (xb + xc == 0) return 0; // p -> 0 attains likelihood 1
        double lo = 0;
        for (int i = 0; i < 200 && hi - lo > 1e-15 * Math.max(1e-300, hi); i++) {
            double p = 0.5 * (lo + hi);
            double slope = (xb + xc) / p - (nb - xb) / (1 - p) - ratio * (nc - xc) / (1 - ratio * p);
            if (slope > 0) lo = p; else hi = p;
        }
        double p = 0.5 * (lo + hi);
        return binomialLogLik(xb, nb, p) + binomialLogLik(xc, nc, Math.min(1.0, ratio * p));
    }

    static double binomialLogLik(long x, long n, double p) {
        double l = 0;
        if (x > 0) l += x * Math.log(p);
        if (n - x > 0) l += (n - x) * Math.log1p(-p);
        return l;
    }
}
