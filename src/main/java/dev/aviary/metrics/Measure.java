package dev.aviary.metrics;

import java.time.Duration;

/**
 * What a check asks a metric source to measure for both arms over the step so far: the vocabulary between the check
 * types (package {@code checks}, which say what to observe) and the metric backends (which know how). A backend
 * answers each kind with one {@link dev.aviary.analysis.Observation}; a kind it cannot measure is
 * {@code Observation.Missing}, never an exception. Request-based kinds name the {@link RequestMetrics} family they read,
 * so a new mesh's presets need no backend code.
 */
public interface Measure {

    /** The request telemetry this measure reads; null for the policy's own count and histogram queries. */
    default RequestMetrics requestMetrics() {
        if (this instanceof Errors e) return e.metrics();
        if (this instanceof SlowRequests s) return s.metrics();
        if (this instanceof SuccessRate r) return r.metrics();
        if (this instanceof LatencyExceedances l) return l.metrics();
        if (this instanceof QueryValue v) return v.servedBy();
        return null;
    }

    /** Requests per arm and, as bad, those that failed (Counts). */
    record Errors(RequestMetrics metrics) implements Measure {}

    /** Requests per arm and, as bad, those slower than {@code slowerThan}, a bucket bound of the histogram (Counts). */
    record SlowRequests(RequestMetrics metrics, Duration slowerThan) implements Measure {}

    /** One arm's share of requests that did not fail, in percent, resting on its request count (Value). */
    record SuccessRate(RequestMetrics metrics, String arm) implements Measure {}

    /**
     * One arm's requests slower than {@code max} ms (a bucket bound), with the {@code quantile}'s estimate
     * (Exceedances); {@code check} names the check in messages.
     */
    record LatencyExceedances(RequestMetrics metrics, String arm, String check, Double max, double quantile)
            implements Measure {}

    /**
     * The value of the policy's own query for one arm ({{arm}}, {{window}} filled in), resting on the arm's request
     * count in {@code servedBy} (Value).
     */
    record QueryValue(String query, String arm, RequestMetrics servedBy) implements Measure {}

    /** The policy's own bad-event and total-event count queries, per arm (Counts); {@code what} names them. */
    record QueryCounts(String badQuery, String totalQuery, String what) implements Measure {}

    /** The policy's own query giving cumulative histogram buckets per arm (Histogram); {@code check} names it. */
    record QueryHistograms(String query, String check) implements Measure {}

    /**
     * Agreement counts exported by an outside comparator (Pairs): {@code agreeQuery} and {@code totalQuery} give the
     * number of agreeing and of all compared pairs over {{window}}; {@code check} names the check in messages.
     */
    record AgreementCounts(String agreeQuery, String totalQuery, String check) implements Measure {}

    /** The arm a one-arm measure reads: the canary unless "baseline". */
    static boolean isBaseline(String arm) {
        return "baseline".equals(arm);
    }
}
