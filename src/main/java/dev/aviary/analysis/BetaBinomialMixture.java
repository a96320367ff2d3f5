package dev.aviary.analysis;

import org.apache.commons.math3.special.Beta;

/**
 * Bayes factors for "which of two arms did each bad event fall in" (Lindon &amp; Malek, "Anytime-Valid Inference
 * for Multinomial Count Data", NeurIPS 2022, two categories). Under the null each event falls in the canary with
 * probability {@code theta0}; the alternative mixes the likelihood over a Beta(a, b) prior on that probability.
 *
 * <p>The mixture likelihood ratio is a non-negative martingale with mean 1 under the null, whatever the order in
 * which events arrive, so it depends only on the cumulative counts and may be checked after every tick (Ville's
 * inequality: P(ever &ge; 1/alpha) &le; alpha). The one-sided variants restrict the prior to one side of
 * {@code theta0}; they are then valid for the composite null "theta on the other side of theta0" (the likelihood
 * ratio of a Bernoulli alternative above theta0 has expectation &le; 1 under every theta &le; theta0).
 *
 * <p>Counts may be fractional: a judge that allows for overdispersion divides them by the dispersion factor
 * (quasi-likelihood), which keeps the process a supermartingale when the counts' variance is that factor times
 * the binomial's.
 *
 * @param a prior pseudo-count of canary events
 * @param b prior pseudo-count of baseline events
 */
public record BetaBinomialMixture(double a, double b) {

    public BetaBinomialMixture {
        if (!(a > 0) || !(b > 0)) throw new IllegalArgumentException("Beta prior parameters must be positive");
    }

    /** A prior centred on {@code mean} with total pseudo-count {@code concentration}. */
    public static BetaBinomialMixture centredOn(double mean, double concentration) {
        return new BetaBinomialMixture(mean * concentration, (1 - mean) * concentration);
    }

    /** log of the two-sided Bayes factor: log B(a+x, b+y) - log B(a, b) - x log theta0 - y log(1 - theta0). */
    public double logBayesFactor(double x, double y, double theta0) {
        return Beta.logBeta(a + x, b + y) - Beta.logBeta(a, b) - logLikelihood(x, y, theta0);
    }

    /** log Bayes factor with the prior restricted to (theta0, 1): evidence that theta exceeds theta0. */
    public double logBayesFactorAbove(double x, double y, double theta0) {
        // P(theta > t) under Beta(p, q) is I_{1-t}(q, p), which stays accurate in the far tail.
        double posteriorMass = logRegularizedBeta(1 - theta0, b + y, a + x);
        double priorMass = logRegularizedBeta(1 - theta0, b, a);
        return finite(Beta.logBeta(a + x, b + y) + posteriorMass - Beta.logBeta(a, b) - priorMass
                - logLikelihood(x, y, theta0));
    }

    /** log Bayes factor with the prior restricted to (0, theta0): evidence that theta is below theta0. */
    public double logBayesFactorBelow(double x, double y, double theta0) {
        double posteriorMass = logRegularizedBeta(theta0, a + x, b + y);
        double priorMass = logRegularizedBeta(theta0, a, b);
        return finite(Beta.logBeta(a + x, b + y) + posteriorMass - Beta.logBeta(a, b) - priorMass
                - logLikelihood(x, y, theta0));
    }

    static double logLikelihood(double x, double y, double theta) {
        double l = 0;
        if (x > 0) l += x * Math.log(theta);
        if (y > 0) l += y * Math.log1p(-theta);
        return l;
    }

    private static double logRegularizedBeta(double t, double p, double q) {
        if (t <= 0) return Double.NEGATIVE_INFINITY;
        if (t >= 1) return 0;
        return Math.log(Beta.regularizedBeta(t, p, q));
    }

    /** An undefined ratio (prior and posterior mass both underflowed) carries no evidence. */
    private static double finite(double v) {
        return Double.isNaN(v) ? Double.NEGATIVE_INFINITY : v;
    }
}
