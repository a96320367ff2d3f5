package dev.aviary.checks;

import dev.aviary.analysis.Judge;
import dev.aviary.analysis.QuantileSloJudge;
import dev.aviary.metrics.Measure;
import dev.aviary.metrics.RequestMetrics;
import dev.aviary.policy.PolicyNode;

import java.util.List;
import java.util.Optional;

/**
 * The presets every mesh's request telemetry supports, made for one family's {@link RequestMetrics}: a preset family
 * (e.g. {@code checks.istio.IstioPresets}) names them {@code <mesh>-error-rate} and so on, so a KServe policy reads like
 * its Istio twin.
 */
public final class RequestPresets {

    /** The quantile of the {@code -latency-p99} presets. */
    public static final double P99 = 0.99;

    private RequestPresets() {}

    /** The canary's 5xx rate against the baseline's. */
    public static Comparison.Preset errorRate(String name, RequestMetrics metrics) {
        return new Comparison.Preset() {
            @Override public String name() { return name; }
            @Override public Measure measure(Comparison.Spec check) { return new Measure.Errors(metrics); }
            @Override public String describe(Comparison.Spec check) { return "5xx rate"; }
        };
    }

    /** The canary's share of requests slower than the check's slowerThan against the baseline's. */
    public static Comparison.Preset slowRequests(String name, RequestMetrics metrics) {
        return new Comparison.Preset() {
            @Override public String name() { return name; }
            @Override public List<String> fields() { return List.of("slowerThan"); }

            @Override
            public void check(PolicyNode c) {
                if (!c.has("slowerThan")) {
                    c.problemMissing("slowerThan", "preset " + name + " needs slowerThan: the latency above which a "
                            + "request counts as slow, e.g. slowerThan: 250ms");
                }
            }

            @Override public Measure measure(Comparison.Spec check) { return new Measure.SlowRequests(metrics, check.slowerThan()); }

            @Override
            public String describe(Comparison.Spec check) {
                return check.slowerThan() == null ? "slow-request share"
                        : "share of requests slower than " + check.slowerThan().toMillis() + " ms";
            }
        };
    }

    /** An arm's success rate against a percentage. */
    public static Threshold.Preset successRate(String name, RequestMetrics metrics) {
        return new Threshold.Preset() {
            @Override public String name() { return name; }
            @Override public Measure measure(Threshold.Spec check) { return new Measure.SuccessRate(metrics, check.arm()); }
            @Override public String describe(Threshold.Spec check) { return "success rate"; }

            @Override
            public Optional<String> bound(String field, String written, double value) {
                return PresetBounds.percentage(field, written, value);
            }
        };
    }

    /**
     * An arm's p99 latency against a bound in ms, one of {@code bucketsMs} (the histogram's bounds, named in messages as
     * {@code histogram}). "p99 at or under max" on the histogram is judged as an anytime-valid test on the share of
     * requests slower than max (see {@link QuantileSloJudge}) rather than as a threshold on the interpolated p99, which
     * fails identical canaries by chance when re-checked every interval. A p99 with a lower bound (an unusual "not
     * faster than") stays a plain threshold.
     */
    public static Threshold.Preset latencyP99(String name, RequestMetrics metrics, double[] bucketsMs, String histogram) {
        double[] bounds = bucketsMs.clone();
        return new Threshold.Preset() {
            @Override public String name() { return name; }
            @Override public String describe(Threshold.Spec check) { return "p99 latency"; }
            @Override public String boundExample() { return ", e.g. max: 500 (milliseconds)"; }

            @Override
            public Measure measure(Threshold.Spec check) {
                return new Measure.LatencyExceedances(metrics, check.arm(), check.name(), check.max(), P99);
            }

            @Override
            public Optional<String> bound(String field, String written, double value) {
                return PresetBounds.latency(field, written, value, bounds, histogram);
            }

            @Override
            public Optional<Judge> judge(Threshold.Spec check) {
                return check.max() != null && check.min() == null
                        ? Optional.of(new QuantileSloJudge(P99, check.max(), check.minSamples())) : Optional.empty();
            }
        };
    }
}
