package dev.aviary.analysis;

/**
 * The counts of one step (or of the current step so far) and the regime its e-process uses: the evidence one
 * step contributes to the rate-ratio e-process of a whole rollout.
 *
 * @param dispersion how many times the binomial variance the bad-event counts are taken to have (pods whose rates
 *                   wander make counts overdispersed): rare-regime counts are divided by it; 1 is the plain test
 * @param allowance how much the arms' populations may differ in this step: its e-values test the ratio times it
 *                  (above) or divided by it (below). 1 where the routing splits everyone alike; more in a header
 *                  route, where the canary serves only those who send the header, whose inputs may be harder
 */
public record StepCounts(ArmCounts baseline, ArmCounts canary, Regime regime, double allowance, double dispersion) {

    public StepCounts {
        if (!(allowance >= 1)) throw new IllegalArgumentException("allowance must be at least 1");
        if (!(dispersion >= 1)) throw new IllegalArgumentException("dispersion must be at least 1");
    }

    public StepCounts(ArmCounts baseline, ArmCounts canary, Regime regime, double allowance) {
        this(baseline, canary, regime, allowance, 1);
    }

    public StepCounts(ArmCounts baseline, ArmCounts canary, Regime regime) {
        this(baseline, canary, regime, 1, 1);
    }

    /** The same counts judged as if their variance were {@code factor} times the binomial's (see {@link BetaBinomialMixture}). */
    public StepCounts withDispersion(double factor) {
        return new StepCounts(baseline, canary, regime, allowance, factor);
    }

    /** Which e-process a step uses; chosen before the step's data is seen, so the product stays valid. */
    public enum Regime {
        /** Bad events are rare: condition on which arm each one falls in (Lindon &amp; Malek). */
        RARE,
        /** Bad events are common: two-sample Bernoulli mixture with the baseline rate as a nuisance. */
        COMMON
    }

    /**
     * log e-value against "canary/baseline rate ratio &le; ratio".
     *
     * @param concentration total pseudo-count of the Beta prior of the rare-event mixture
     */
    public double logEValueAbove(double ratio, double concentration) {
        if (baseline.total() == 0 || canary.total() == 0) return 0;
        ratio *= allowance;
        if (regime == Regime.COMMON) return TwoSampleBernoulliMixture.JEFFREYS.logEValueAbove(baseline, canary, ratio);
        double s = canaryShare();
        return BetaBinomialMixture.centredOn(s, concentration).logBayesFactorAbove(canary.bad() / dispersion, baseline.bad() / dispersion, theta(ratio, s));
    }

    /** log e-value against "canary/baseline rate ratio &ge; ratio". */
    public double logEValueBelow(double ratio, double concentration) {
        if (baseline.total() == 0 || canary.total() == 0) return 0;
        ratio /= allowance;
        if (regime == Regime.COMMON) return TwoSampleBernoulliMixture.JEFFREYS.logEValueBelow(baseline, canary, ratio);
        double s = canaryShare();
        return BetaBinomialMixture.centredOn(s, concentration).logBayesFactorBelow(canary.bad() / dispersion, baseline.bad() / dispersion, theta(ratio, s));
    }

    /**
     * The canary's share of requests. The observed share, not the configured one: small routing deviations then
     * do not masquerade as a worse canary (large ones are the {@link SampleRatioGuard}'s business). Conditioning
     * on the request counts makes the "which arm" binomial exact only for rare events; for common ones it is
     * conservative (sampling without replacement is smaller in convex order), and later steps switch regime.
     */
    public double canaryShare() {
        return (double) canary.total() / (canary.total() + baseline.total());
    }

    /** P(a bad event falls in the canary) when the canary's rate is {@code ratio} times the baseline's. */
    static double theta(double ratio, double share) {
        return ratio * share / (ratio * share + 1 - share);
    }
}
