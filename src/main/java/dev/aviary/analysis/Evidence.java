package dev.aviary.analysis;

/**
 * The numbers behind a verdict, as a person would want to see them. Any field may be null when it does not
 * apply to the check that produced it.
 *
 * @param estimate the point estimate the check is about (rate ratio, value, agreement...)
 * @param lower    lower confidence bound on the estimate
 * @param upper    upper confidence bound on the estimate
 * @param eValue   the e-value (anytime-valid evidence against the null); 1/alpha or more rejects
 * @param pValue   a p-value, for fixed-horizon tests only
 */
public record Evidence(
        Long baselineTotal,
        Long baselineBad,
        Long canaryTotal,
        Long canaryBad,
        Double estimate,
        Double lower,
        Double upper,
        Double eValue,
        Double pValue) {

    public static final Evidence NONE = new Evidence(null, null, null, null, null, null, null, null, null);

    public static Evidence counts(ArmCounts baseline, ArmCounts canary) {
        return new Evidence(baseline.total(), baseline.bad(), canary.total(), canary.bad(), null, null, null, null, null);
    }

    public Evidence withEstimate(Double estimate, Double lower, Double upper) {
        return new Evidence(baselineTotal, baselineBad, canaryTotal, canaryBad, estimate, lower, upper, eValue, pValue);
    }

    public Evidence withEValue(Double e) {
        return new Evidence(baselineTotal, baselineBad, canaryTotal, canaryBad, estimate, lower, upper, e, pValue);
    }

    public Evidence withPValue(Double p) {
        return new Evidence(baselineTotal, baselineBad, canaryTotal, canaryBad, estimate, lower, upper, eValue, p);
    }
}
