package dev.aviary.metrics.prometheus;

import dev.aviary.analysis.ArmCounts;
import dev.aviary.analysis.Observation;
import dev.aviary.analysis.ReplayFailures;
import dev.aviary.metrics.Measure;
import dev.aviary.metrics.RequestMetrics;
import dev.aviary.policy.Policy;
import dev.aviary.traffic.ArmLabels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One observation's PromQL: each {@link Measure} read for both arms over the step's window from a mesh's
 * {@link RequestMetrics} (grouped by the arm label, so one query answers for both arms) or from the policy's own
 * queries. Windows cover the time since the step began, so a restarted daemon loses nothing.
 */
final class PromReading {

    private final PrometheusClient prometheus;
    private final RequestMetrics family;
    private final String armLabel;
    private final Policy policy;
    private final ArmLabels arms;
    private final Duration window;

    PromReading(PrometheusClient prometheus, RequestMetrics family, String defaultArmLabel, Policy policy, ArmLabels arms,
                Duration window) {
        this.prometheus = prometheus;
        this.family = family;
        // the router knows best which label its arm values are (KServe Standard mode: predictor services)
        this.armLabel = arms != null && arms.label() != null ? arms.label()
                : family.armLabel() != null ? family.armLabel() : defaultArmLabel;
        this.policy = policy;
        this.arms = arms;
        this.window = window;
    }

    RequestMetrics metrics() {
        return family;
    }

    String armLabel() {
        return armLabel;
    }

    ArmLabels arms() {
        return arms;
    }

    Policy policy() {
        return policy;
    }

    /** The request telemetry a measure reads; null for the policy's own count and histogram queries. */
    static RequestMetrics family(Measure m) {
        return m.requestMetrics();
    }

    Observation measure(Measure m) throws PrometheusException {
        if (m instanceof Measure.Errors) return errorCounts();
        if (m instanceof Measure.SlowRequests s) return slowCounts(s.slowerThan());
        if (m instanceof Measure.SuccessRate r) return successRate(r.arm());
        if (m instanceof Measure.LatencyExceedances l) return latencyQuantile(l);
        if (m instanceof Measure.QueryValue v) return queryValue(v);
        if (m instanceof Measure.QueryCounts c) return queryCounts(c);
        if (m instanceof Measure.QueryHistograms h) return histograms(h);
        if (m instanceof Measure.AgreementCounts a) return agreementCounts(a);
        return new Observation.Missing("Prometheus cannot measure " + m.getClass().getSimpleName());
    }

    Map<String, Double> requestsByArm(String extra) throws PrometheusException {
        return byArm(sumIncrease(family.requests(), selector(extra)));
    }

    private Observation errorCounts() throws PrometheusException {
        Map<String, Double> total = requestsByArm("");
        Map<String, Double> bad = requestsByArm("," + family.failed());
        return counts(total, bad, "5xx");
    }

    private Observation slowCounts(Duration slowerThan) throws PrometheusException {
        String bucket = family.durationBucket();
        String le = PromQL.quote(PromQL.bucketBound(slowerThan.toMillis()) + "|\\+Inf");
        String q = "sum by (" + armLabel + ", le) (increase(" + bucket + "{" + selector("")
                + ",le=~" + le + "}[" + PromQL.window(window) + "]))";
        Map<String, Double> total = new TreeMap<>(), fast = new TreeMap<>();
        for (PrometheusClient.Sample s : prometheus.query(q)) {
            String arm = s.labels().get(armLabel);
            if (arm == null) continue;
            ("+Inf".equals(s.labels().get("le")) ? total : fast).put(arm, s.value());
        }
        return slowFrom(total, fast, slowerThan);
    }

    /** Slow requests per arm from each arm's total ({@code le="+Inf"}) and its requests within the bound. */
    Observation slowFrom(Map<String, Double> total, Map<String, Double> fast, Duration slowerThan) {
        String bucket = family.durationBucket();
        for (String arm : List.of(arms.baseline(), arms.canary())) {
            // an arm whose histogram lacks the bucket would otherwise look as if it had no slow requests at all
            if (total.containsKey(arm) && !fast.containsKey(arm) && !fast.isEmpty()) {
                return new Observation.Missing("the latency histogram of " + armLabel + "=\"" + arm + "\" has no bucket le="
                        + slowerThan.toMillis() + "ms while the other arm has one (custom sidecar.istio.io/statsHistogramBuckets?)");
            }
        }
        if (!total.isEmpty() && fast.isEmpty()) {
            return new Observation.Missing("no latency bucket le=" + slowerThan.toMillis()
                    + "ms in " + bucket + "; slowerThan must be one of the histogram's bucket bounds "
                    + "(Istio's defaults: 0.5 1 5 10 25 50 100 250 500 1000 2500 5000 10000 ... ms)");
        }
        Map<String, Double> slow = new TreeMap<>();
        total.forEach((arm, t) -> slow.put(arm, t - fast.getOrDefault(arm, t)));
        return counts(total, slow, "requests slower than " + slowerThan.toMillis() + "ms");
    }

    private Observation successRate(String arm) throws PrometheusException {
        return successFrom(errorCounts(), arm);
    }

    /** One arm's success rate from both arms' error counts. */
    static Observation successFrom(Observation o, String arm) {
        if (!(o instanceof Observation.Counts c)) return o;
        ArmCounts a = Measure.isBaseline(arm) ? c.baseline() : c.canary();
        if (a.total() == 0) return new Observation.Missing("no requests to the " + armName(arm) + " yet");
        return new Observation.Value(100.0 * (a.total() - a.bad()) / a.total(), a.total());
    }

    /**
     * A quantile SLO ("p99 at most max ms") as exceedances: of the arm's requests, how many were slower than
     * {@code max}, which must be a bucket bound of the histogram; and the quantile's estimate for people.
     */
    private Observation latencyQuantile(Measure.LatencyExceedances m) throws PrometheusException {
        String bucket = family.durationBucket();
        String sel = selectorFor(armValue(m.arm()));
        String w = PromQL.window(window);
        TreeMap<Double, Double> cumulative = buckets(prometheus.query("sum by (le) (increase(" + bucket + "{" + sel + "}[" + w + "]))"));
        return exceedancesFrom(cumulative, m, () -> {
            List<PrometheusClient.Sample> estimate = prometheus.query("histogram_quantile(" + m.quantile() + ", sum by (le) (increase("
                    + bucket + "{" + sel + "}[" + w + "])))");
            return estimate.isEmpty() ? Double.NaN : estimate.get(0).value();
        });
    }

    /** What estimates a quantile for people, asked only once the counts are there. */
    interface Estimate {
        double value() throws PrometheusException;
    }

    /** Exceedances of {@code m.max()} from one arm's cumulative buckets over the window. */
    Observation exceedancesFrom(TreeMap<Double, Double> cumulative, Measure.LatencyExceedances m, Estimate estimate)
            throws PrometheusException {
        String bucket = family.durationBucket();
        Double total = cumulative.get(Double.POSITIVE_INFINITY);
        if (total == null || total < 0.5) return new Observation.Missing("no latency histogram for the " + armName(m.arm()) + " yet");
        double bound = m.max() == null ? Double.NaN : m.max();
        Double within = cumulative.get(bound);
        if (within == null) {
            return new Observation.Missing("the " + m.check() + " check's max " + bound + " ms is not a bucket bound of "
                    + bucket + " (nearest: " + cumulative.floorKey(bound) + " and " + cumulative.ceilingKey(bound)
                    + " ms); set max to one of them");
        }
        long n = Math.round(total);
        long above = Math.max(0, Math.min(n, Math.round(total - within)));
        return new Observation.Exceedances(n, above, estimate.value());
    }

    private Observation queryValue(Measure.QueryValue m) throws PrometheusException {
        String arm = armValue(m.arm());
        List<PrometheusClient.Sample> v = prometheus.query(PromQL.fill(m.query(), arm, window));
        if (v.isEmpty()) return new Observation.Missing("the query returned no series for " + armName(m.arm()) + ": " + m.query());
        double x = v.get(0).value();
        if (Double.isNaN(x)) return new Observation.Missing("the query returned NaN for " + armName(m.arm()) + ": " + m.query());
        // a custom value carries no request count of its own: minSamples counts the arm's requests in the window
        Double n = requestsByArm("").get(arm);
        if (n == null || n.isNaN()) return new Observation.Missing("no " + family.requests() + " series for the " + armName(m.arm()) + " yet");
        return new Observation.Value(x, Math.round(n));
    }

    private Observation queryCounts(Measure.QueryCounts m) throws PrometheusException {
        Map<String, Double> total = new TreeMap<>(), bad = new TreeMap<>();
        for (String arm : List.of(arms.baseline(), arms.canary())) {
            first(prometheus.query(PromQL.fill(m.totalQuery(), arm, window))).ifPresent(x -> total.put(arm, x));
            first(prometheus.query(PromQL.fill(m.badQuery(), arm, window))).ifPresent(x -> bad.put(arm, x));
        }
        return counts(total, bad, m.what());
    }

    /**
     * An outside comparator's counts of compared and agreeing pairs over the window. A pair is both arms' answers,
     * so the queries name no arm. No series, NaN, or more agreeing than compared pairs is missing data, never a count.
     */
    private Observation agreementCounts(Measure.AgreementCounts m) throws PrometheusException {
        Observation totalOrWhy = one(m.check(), "totalQuery", m.totalQuery());
        if (!(totalOrWhy instanceof Observation.Value total)) return totalOrWhy;
        Observation agreedOrWhy = one(m.check(), "agreeQuery", m.agreeQuery());
        if (!(agreedOrWhy instanceof Observation.Value agreed)) return agreedOrWhy;
        long t = Math.max(0, Math.round(total.value())), a = Math.max(0, Math.round(agreed.value()));
        if (a > t) {
            return new Observation.Missing("the " + m.check() + " check's agreeQuery counts " + a + " agreeing pairs but its "
                    + "totalQuery only " + t + " compared pairs over " + PromQL.window(window) + "; they must count the same pairs");
        }
        return new Observation.Pairs(t, a, ReplayFailures.NONE);
    }

    /** The single value of a count query, or why there is none. */
    private Observation one(String check, String field, String query) throws PrometheusException {
        List<PrometheusClient.Sample> v = prometheus.query(PromQL.fill(query, "", window));
        if (v.isEmpty()) {
            return new Observation.Missing("the " + check + " check's " + field + " returned no series (append \"or vector(0)\" "
                    + "if the comparator exports the counter only once it counts): " + query);
        }
        if (v.size() > 1) {
            return new Observation.Missing("the " + check + " check's " + field + " returned " + v.size() + " series; sum them "
                    + "into one: " + query);
        }
        double x = v.get(0).value();
        return Double.isNaN(x) ? new Observation.Missing("the " + check + " check's " + field + " returned NaN: " + query)
                : new Observation.Value(x, 0);
    }

    /**
     * A histogram query gives cumulative buckets per arm ({@code sum by (le) (...)} with {{arm}}); both arms are laid
     * on the union of their bounds, as non-cumulative counts.
     */
    private Observation histograms(Measure.QueryHistograms m) throws PrometheusException {
        List<TreeMap<Double, Double>> cumulative = new ArrayList<>();
        TreeSet<Double> bounds = new TreeSet<>();
        for (String arm : List.of(arms.baseline(), arms.canary())) {
            TreeMap<Double, Double> c = buckets(prometheus.query(PromQL.fill(m.query(), arm, window)));
            if (!c.containsKey(Double.POSITIVE_INFINITY)) {
                return new Observation.Missing("the " + m.check() + " query gave no histogram (series with an le label, up to +Inf) for "
                        + arm + ": " + m.query());
            }
            cumulative.add(c);
            bounds.addAll(c.keySet());
        }
        double[] upper = bounds.stream().mapToDouble(Double::doubleValue).toArray();
        return new Observation.Histogram(upper, perBucket(cumulative.get(0), upper), perBucket(cumulative.get(1), upper));
    }

    /** Cumulative histogram buckets by upper bound (+Inf included); series without an le label or with NaN are skipped. */
    static TreeMap<Double, Double> buckets(List<PrometheusClient.Sample> samples) {
        TreeMap<Double, Double> cumulative = new TreeMap<>();
        for (PrometheusClient.Sample s : samples) {
            String le = s.labels().get("le");
            if (le != null && !Double.isNaN(s.value())) {
                cumulative.put("+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le), s.value());
            }
        }
        return cumulative;
    }

    /** Non-cumulative counts on the given bounds; a bound an arm lacks takes that arm's next lower cumulative count. */
    private static long[] perBucket(TreeMap<Double, Double> cumulative, double[] upper) {
        long[] out = new long[upper.length];
        double previous = 0;
        for (int i = 0; i < upper.length; i++) {
            Map.Entry<Double, Double> at = cumulative.floorEntry(upper[i]);
            double c = at == null ? 0 : Math.max(previous, at.getValue());
            out[i] = Math.max(0, Math.round(c) - Math.round(previous));
            previous = c;
        }
        return out;
    }

    private static Optional<Double> first(List<PrometheusClient.Sample> s) {
        return s.isEmpty() ? Optional.empty() : Optional.of(s.get(0).value());
    }

    String armValue(String arm) {
        return Measure.isBaseline(arm) ? arms.baseline() : arms.canary();
    }

    static String armName(String arm) {
        return Measure.isBaseline(arm) ? "baseline" : "canary";
    }

    private String sumIncrease(String metric, String selector) {
        return "sum by (" + armLabel + ") (increase(" + metric + "{" + selector + "}[" + PromQL.window(window) + "]))";
    }

    private Map<String, Double> byArm(String query) throws PrometheusException {
        Map<String, Double> out = new TreeMap<>();
        for (PrometheusClient.Sample s : prometheus.query(query)) {
            String arm = s.labels().get(armLabel);
            if (arm != null) out.put(arm, s.value());
        }
        return out;
    }

    /** This rollout's series of the family: the fixed matchers, its namespace and service, both arms. */
    String selector(String extra) {
        return service() + "," + armLabel + "=~" + PromQL.anyOf(arms.baseline(), arms.canary()) + extra;
    }

    private String selectorFor(String arm) {
        return service() + "," + armLabel + "=" + PromQL.quote(arm);
    }

    private String service() {
        String fixed = family.fixed() == null || family.fixed().isEmpty() ? "" : family.fixed() + ",";
        return fixed + family.namespaceLabel() + "=" + PromQL.quote(policy.namespace())
                + (arms.service() == null ? "" : "," + family.serviceLabel() + "=" + PromQL.quote(arms.service()));
    }

    /** Counts per arm; a missing arm or NaN is missing data, never zero. */
    Observation counts(Map<String, Double> total, Map<String, Double> bad, String what) {
        for (String arm : List.of(arms.baseline(), arms.canary())) {
            Double t = total.get(arm);
            if (t == null) {
                return new Observation.Missing("no " + family.requests() + " series for " + armLabel + "=\"" + arm + "\" yet (is the arm serving,"
                        + " and does its pod carry that label?)");
            }
            if (t.isNaN() || bad.getOrDefault(arm, 0.0).isNaN()) return new Observation.Missing("NaN in the " + what + " count of " + arm);
        }
        return new Observation.Counts(armCounts(total.get(arms.baseline()), bad.get(arms.baseline())),
                armCounts(total.get(arms.canary()), bad.get(arms.canary())));
    }

    private static ArmCounts armCounts(double total, Double bad) {
        // increase() extrapolates to the window's edges, so counts are fractional and may overshoot each other slightly
        long t = Math.max(0, Math.round(total));
        long b = bad == null ? 0 : Math.max(0, Math.min(t, Math.round(bad)));
        return new ArmCounts(t, b);
    }
}
