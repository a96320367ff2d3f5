package dev.aviary.metrics.prometheus;

import dev.aviary.analysis.ArmCounts;
import dev.aviary.istio.IstioMetrics;
import dev.aviary.analysis.Observation;
import dev.aviary.metrics.MetricSource;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;
import dev.aviary.traffic.ArmLabels;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.FaultToleranceException;

/**
 * Istio's standard metrics read from Prometheus. Each preset query groups by the arm label, so one query answers
 * for both arms; windows cover the time since the step began, so a restarted daemon loses nothing.
 */
@ApplicationScoped
public class PrometheusSource implements MetricSource {

    static final String REQUESTS = IstioMetrics.REQUESTS;
    static final String DURATION_BUCKET = IstioMetrics.REQUEST_DURATION + "_bucket";

    private final PrometheusClient prometheus;
    private final String armLabel;

    public PrometheusSource(PrometheusClient prometheus, PrometheusConfig config) {
        this.prometheus = prometheus;
        this.armLabel = config.armLabel();
    }

    @Override
    public Observation requests(Policy policy, ArmLabels arms, Duration window) {
        try {
            Map<String, Double> total = byArm(sumIncrease(REQUESTS, selector(policy, arms, ""), window));
            return counts(arms, total, Map.of(), "requests");
        } catch (PrometheusException e) {
            return new Observation.Missing(e.getMessage());
        } catch (FaultToleranceException e) {
            return new Observation.Missing(unavailable(e));
        }
    }

    @Override
    public Observation observe(Policy policy, CheckSpec check, ArmLabels arms, Duration window) {
        try {
            if (check.preset() == null) return custom(policy, check, arms, window);
            return switch (check.preset()) {
                case ISTIO_ERROR_RATE -> errorCounts(policy, arms, window);
                case ISTIO_SLOW_REQUESTS -> slowCounts(policy, arms, window, check.slowerThan());
                case ISTIO_SUCCESS_RATE -> successRate(policy, check, arms, window);
                case ISTIO_LATENCY_P99 -> latencyQuantile(policy, check, arms, window, 0.99);
            };
        } catch (PrometheusException e) {
            return new Observation.Missing(e.getMessage());
        } catch (FaultToleranceException e) {
            return new Observation.Missing(unavailable(e));
        }
    }

    /** The circuit breaker is open or a call timed out: Prometheus failed repeatedly just before. */
    private static String unavailable(FaultToleranceException e) {
        return e instanceof CircuitBreakerOpenException ? "Prometheus failed repeatedly; not asking again for a few seconds"
                : "Prometheus did not answer in time (" + e.getClass().getSimpleName() + ")";
    }

    private Observation errorCounts(Policy policy, ArmLabels arms, Duration window) throws PrometheusException {
        Map<String, Double> total = byArm(sumIncrease(REQUESTS, selector(policy, arms, ""), window));
        Map<String, Double> bad = byArm(sumIncrease(REQUESTS, selector(policy, arms, ",response_code=~\"5..\""), window));
        return counts(arms, total, bad, "5xx");
    }

    private Observation slowCounts(Policy policy, ArmLabels arms, Duration window, Duration slowerThan) throws PrometheusException {
        String le = PromQL.quote(PromQL.bucketBound(slowerThan.toMillis()) + "|\\+Inf");
        String q = "sum by (" + armLabel + ", le) (increase(" + DURATION_BUCKET + "{" + selector(policy, arms, "")
                + ",le=~" + le + "}[" + PromQL.window(window) + "]))";
        Map<String, Double> total = new TreeMap<>(), fast = new TreeMap<>();
        for (PrometheusClient.Sample s : prometheus.query(q)) {
            String arm = s.labels().get(armLabel);
            if (arm == null) continue;
            ("+Inf".equals(s.labels().get("le")) ? total : fast).put(arm, s.value());
        }
        for (String arm : List.of(arms.baseline(), arms.canary())) {
            // an arm whose histogram lacks the bucket would otherwise look as if it had no slow requests at all
            if (total.containsKey(arm) && !fast.containsKey(arm) && !fast.isEmpty()) {
                return new Observation.Missing("the latency histogram of " + armLabel + "=\"" + arm + "\" has no bucket le="
                        + slowerThan.toMillis() + "ms while the other arm has one (custom sidecar.istio.io/statsHistogramBuckets?)");
            }
        }
        if (!total.isEmpty() && fast.isEmpty()) {
            return new Observation.Missing("no latency bucket le=" + slowerThan.toMillis()
                    + "ms in " + DURATION_BUCKET + "; slowerThan must be one of the histogram's bucket bounds "
                    + "(Istio's defaults: 0.5 1 5 10 25 50 100 250 500 1000 2500 5000 10000 ... ms)");
        }
        Map<String, Double> slow = new TreeMap<>();
        total.forEach((arm, t) -> slow.put(arm, t - fast.getOrDefault(arm, t)));
        return counts(arms, total, slow, "requests slower than " + slowerThan.toMillis() + "ms");
    }

    private Observation successRate(Policy policy, CheckSpec check, ArmLabels arms, Duration window) throws PrometheusException {
        Observation o = errorCounts(policy, arms, window);
        if (!(o instanceof Observation.Counts c)) return o;
        ArmCounts a = pick(check, arms, c);
        if (a.total() == 0) return new Observation.Missing("no requests to the " + armName(check) + " yet");
        return new Observation.Value(100.0 * (a.total() - a.bad()) / a.total(), a.total());
    }

    /**
     * A quantile SLO ("p99 at most max ms") as exceedances: of the arm's requests, how many were slower than
     * {@code max}, which must be a bucket bound of the histogram; and the quantile's estimate for people.
     */
    private Observation latencyQuantile(Policy policy, CheckSpec check, ArmLabels arms, Duration window, double q)
            throws PrometheusException {
        String arm = "baseline".equals(check.arm()) ? arms.baseline() : arms.canary();
        String sel = selectorFor(policy, arms, arm);
        String w = PromQL.window(window);
        TreeMap<Double, Double> cumulative = buckets(prometheus.query("sum by (le) (increase(" + DURATION_BUCKET + "{" + sel + "}[" + w + "]))"));
        Double total = cumulative.get(Double.POSITIVE_INFINITY);
        if (total == null || total < 0.5) return new Observation.Missing("no latency histogram for the " + armName(check) + " yet");
        double bound = check.max() == null ? Double.NaN : check.max();
        Double within = cumulative.get(bound);
        if (within == null) {
            return new Observation.Missing("the " + check.name() + " check's max " + bound + " ms is not a bucket bound of "
                    + DURATION_BUCKET + " (nearest: " + cumulative.floorKey(bound) + " and " + cumulative.ceilingKey(bound)
                    + " ms); set max to one of them");
        }
        List<PrometheusClient.Sample> estimate = prometheus.query("histogram_quantile(" + q + ", sum by (le) (increase("
                + DURATION_BUCKET + "{" + sel + "}[" + w + "])))");
        long n = Math.round(total);
        long above = Math.max(0, Math.min(n, Math.round(total - within)));
        return new Observation.Exceedances(n, above, estimate.isEmpty() ? Double.NaN : estimate.get(0).value());
    }

    private Observation custom(Policy policy, CheckSpec check, ArmLabels arms, Duration window) throws PrometheusException {
        if (check.type() == CheckSpec.Type.THRESHOLD) {
            String arm = "baseline".equals(check.arm()) ? arms.baseline() : arms.canary();
            List<PrometheusClient.Sample> v = prometheus.query(PromQL.fill(check.query(), arm, window));
            if (v.isEmpty()) return new Observation.Missing("the query returned no series for " + armName(check) + ": " + check.query());
            double x = v.get(0).value();
            if (Double.isNaN(x)) return new Observation.Missing("the query returned NaN for " + armName(check) + ": " + check.query());
            // a custom value carries no request count of its own: minSamples counts the arm's requests in the window
            Map<String, Double> served = byArm(sumIncrease(REQUESTS, selector(policy, arms, ""), window));
            Double n = served.get(arm);
            if (n == null || n.isNaN()) return new Observation.Missing("no " + REQUESTS + " series for the " + armName(check) + " yet");
            return new Observation.Value(x, Math.round(n));
        }
        if (check.type() == CheckSpec.Type.MANN_WHITNEY) return histograms(check, arms, window);
        Map<String, Double> total = new TreeMap<>(), bad = new TreeMap<>();
        for (String arm : List.of(arms.baseline(), arms.canary())) {
            first(prometheus.query(PromQL.fill(check.totalQuery(), arm, window))).ifPresent(x -> total.put(arm, x));
            first(prometheus.query(PromQL.fill(check.query(), arm, window))).ifPresent(x -> bad.put(arm, x));
        }
        return counts(arms, total, bad, check.name());
    }

    /**
     * A Mann-Whitney check's query gives cumulative histogram buckets per arm ({@code sum by (le) (...)} with
     * {{arm}}); both arms are laid on the union of their bounds, as non-cumulative counts.
     */
    private Observation histograms(CheckSpec check, ArmLabels arms, Duration window) throws PrometheusException {
        List<TreeMap<Double, Double>> cumulative = new java.util.ArrayList<>();
        java.util.TreeSet<Double> bounds = new java.util.TreeSet<>();
        for (String arm : List.of(arms.baseline(), arms.canary())) {
            TreeMap<Double, Double> c = buckets(prometheus.query(PromQL.fill(check.query(), arm, window)));
            if (!c.containsKey(Double.POSITIVE_INFINITY)) {
                return new Observation.Missing("the " + check.name() + " query gave no histogram (series with an le label, up to +Inf) for "
                        + arm + ": " + check.query());
            }
            cumulative.add(c);
            bounds.addAll(c.keySet());
        }
        double[] upper = bounds.stream().mapToDouble(Double::doubleValue).toArray();
        return new Observation.Histogram(upper, perBucket(cumulative.get(0), upper), perBucket(cumulative.get(1), upper));
    }

    /** Cumulative histogram buckets by upper bound (+Inf included); series without an le label or with NaN are skipped. */
    private static TreeMap<Double, Double> buckets(List<PrometheusClient.Sample> samples) {
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

    private static java.util.Optional<Double> first(List<PrometheusClient.Sample> s) {
        return s.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(s.get(0).value());
    }


    private static ArmCounts pick(CheckSpec check, ArmLabels arms, Observation.Counts c) {
        return "baseline".equals(check.arm()) ? c.baseline() : c.canary();
    }

    private static String armName(CheckSpec check) {
        return "baseline".equals(check.arm()) ? "baseline" : "canary";
    }

    private String sumIncrease(String metric, String selector, Duration window) {
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

    private String selector(Policy policy, ArmLabels arms, String extra) {
        return service(policy, arms) + "," + armLabel + "=~" + PromQL.anyOf(arms.baseline(), arms.canary()) + extra;
    }

    private String selectorFor(Policy policy, ArmLabels arms, String arm) {
        return service(policy, arms) + "," + armLabel + "=" + PromQL.quote(arm);
    }

    private static String service(Policy policy, ArmLabels arms) {
        return "reporter=\"destination\",destination_service_namespace=" + PromQL.quote(policy.namespace())
                + (arms.service() == null ? "" : ",destination_service_name=" + PromQL.quote(arms.service()));
    }

    /** Counts per arm; a missing arm or NaN is missing data, never zero. */
    private Observation counts(ArmLabels arms, Map<String, Double> total, Map<String, Double> bad, String what) {
        for (String arm : List.of(arms.baseline(), arms.canary())) {
            Double t = total.get(arm);
            if (t == null) {
                return new Observation.Missing("no " + REQUESTS + " series for " + armLabel + "=\"" + arm + "\" yet (is the arm serving,"
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
