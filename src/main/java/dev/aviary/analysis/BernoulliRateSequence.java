package dev.aviary.analysis;

/**
 * An anytime-valid confidence sequence for the success rate p of a stream of Bernoulli trials (the share of pairs
 * of answers that agree), from the cumulative counts alone.
 *
 * <p><b>Method.</b> For each candidate rate p0 two one-sided e-processes (Lindon &amp; Malek's Beta mixture,
 * {@link BetaBinomialMixture}, with a Beta prior of total pseudo-count {@code concentration} centred on p0): the
 * prior restricted to (p0, 1) gives evidence that p &gt; p0, restricted to (0, p0) evidence that p &lt; p0. Each
 * is a mixture of likelihood ratios that are supermartingales under every rate on the other side of p0, so each
 * is a test supermartingale for that one-sided null, and may be looked at after every trial (Ville: P(ever
 * &ge; 1/alpha) &le; alpha). Inverting them over p0 gives the bounds: the lower bound is the smallest p0 not
 * rejected by "p above p0" evidence, the upper bound the largest p0 not rejected by "p below p0" evidence.
 *
 * <p><b>Guarantee.</b> Whatever the true rate and however often the bounds are read, P(the lower bound ever
 * exceeds p) &le; alpha and P(the upper bound ever falls below p) &le; alpha; the interval covers p at all times
 * with probability &ge; 1 - 2 alpha. Trials need not be identically distributed: it suffices that each has
 * success probability p given the past (replays drawn at random from a fixed set of payloads).
 *
 * @param concentration total pseudo-count of the mixing prior: small values spread the evidence over large and
 *                      small departures from p0, large values concentrate it near p0
 */
public record BernoulliRateSequence(double concentration) {

    public BernoulliRateSequence {
        if (!(concentration > 0)) throw new IllegalArgumentException("concentration must be > 0");
    }

    /** log e-value against "p &le; p0": evidence the rate is above p0. */
    public double logEValueAbove(long successes, long failures, double p0) {
        return BetaBinomialMixture.centredOn(p0, concentration).logBayesFactorAbove(successes, failures, p0);
    }

    /** log e-value against "p &ge; p0": evidence the rate is below p0. */
    public double logEValueBelow(long successes, long failures, double p0) {
        return BetaBinomialMixture.centredOn(p0, concentration).logBayesFactorBelow(successes, failures, p0);
    }

    /** The lower bound at level alpha: 0 until the data reject some rate from below. */
    public double lowerBound(long successes, long failures, double alpha) {
        return ConfidenceSequence.lowerShare(p -> logEValueAbove(successes, failures, p), alpha);
    }

    /** The upper bound at level alpha: 1 until the data reject some rate from above. */
    public double upperBound(long successes, long failures, double alpha) {
        return ConfidenceSequence.upperShare(p -> logEValueBelow(successes, failures, p), alpha);
    }
}
