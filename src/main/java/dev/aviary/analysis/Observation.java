package dev.aviary.analysis;

/**
 * What a metric source measured for one check, cumulative since the current step began. Sources build these;
 * judges read them. Nothing here knows about Prometheus or Kubernetes.
 */
public sealed interface Observation {

    /** Counts of requests and bad events per arm. */
    record Counts(ArmCounts baseline, ArmCounts canary) implements Observation {}

    /** One value of one arm (a success rate, a latency quantile), and how many requests it rests on. */
    record Value(double value, long samples) implements Observation {}

    /**
     * A latency histogram per arm over the same buckets (non-cumulative counts per bucket, the last bucket
     * open-ended), for rank tests on binned data.
     */
    record Histogram(double[] upperBounds, long[] baseline, long[] canary) implements Observation {}

    /**
     * How many of one arm's requests exceeded a bound (for a quantile SLO such as "p99 under 400 ms": the share
     * of requests slower than 400 ms must stay at or below 1%), with the quantile as estimated from the histogram.
     *
     * @param total    requests of the arm in the step
     * @param above    of those, requests above the bound
     * @param estimate the quantile's estimate (histogram_quantile), NaN when unknown
     */
    record Exceedances(long total, long above, double estimate) implements Observation {}

    /**
     * Paired answers of both arms to the same replayed requests (or an outside comparator's counts): how many pairs
     * were compared and how many agreed. A replay that failed on either arm (timeout, 5xx, malformed answer) is not a
     * pair: it is counted in {@code failures}, never as agreement or disagreement.
     */
    record Pairs(long compared, long agreed, ReplayFailures failures) implements Observation {}

    /**
     * What each arm predicted for the same replayed requests, for drift tests: how often each class was predicted
     * (empty for numeric outputs) and the arms' scores (the top-1 probability, or the numeric output), in the
     * order the pairs were compared.
     */
    record Predictions(java.util.Map<String, Long> baselineClasses, java.util.Map<String, Long> canaryClasses,
                       double[] baselineScores, double[] canaryScores, ReplayFailures failures) implements Observation {}

    /** Nothing usable: the reason says what was missing. */
    record Missing(String reason) implements Observation {}
}
