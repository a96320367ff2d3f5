package dev.aviary.checks.istio;

import dev.aviary.analysis.Judge;
import dev.aviary.analysis.QuantileSloJudge;
import dev.aviary.checks.Comparison;
import dev.aviary.checks.Preset;
import dev.aviary.checks.PresetFamily;
import dev.aviary.checks.Threshold;
import dev.aviary.istio.IstioMetrics;
import dev.aviary.metrics.Measure;
import dev.aviary.metrics.RequestMetrics;
import dev.aviary.policy.IstioTarget;
import dev.aviary.policy.PolicyNode;
import dev.aviary.policy.Target;

import java.util.List;
import java.util.Optional;

/**
 * The presets over Istio's standard metrics (what its sidecars export for every request), and those metrics'
 * names and labels. The arm label is the backend's configured one ({@code aviary.prometheus.arm-label}).
 */
public final class IstioPresets implements PresetFamily {

    /** Istio's request telemetry, as the destination's sidecar reports it. */
    public static final RequestMetrics METRICS = new RequestMetrics(IstioMetrics.REQUESTS,
            IstioMetrics.REQUEST_DURATION + "_bucket", "response_code=~\"5..\"", "reporter=\"destination\"",
            "destination_service_namespace", "destination_service_name", null);
    /** The quantile of {@code istio-latency-p99}. */
    public static final double P99 = 0.99;

    public static final Comparison.Preset ERROR_RATE = new Comparison.Preset() {
        @Override public String name() { return "istio-error-rate"; }
        @Override public Measure measure(Comparison.Spec check) { return new Measure.Errors(METRICS); }
        @Override public String describe(Comparison.Spec check) { return "5xx rate"; }
    };

    public static final Comparison.Preset SLOW_REQUESTS = new Comparison.Preset() {
        @Override public String name() { return "istio-slow-requests"; }
        @Override public List<String> fields() { return List.of("slowerThan"); }

        @Override
        public void check(PolicyNode c) {
            if (!c.has("slowerThan")) {
                c.problemMissing("slowerThan", "preset istio-slow-requests needs slowerThan: the latency above which a "
                        + "request counts as slow, e.g. slowerThan: 250ms");
            }
        }

        @Override public Measure measure(Comparison.Spec check) { return new Measure.SlowRequests(METRICS, check.slowerThan()); }

        @Override
        public String describe(Comparison.Spec check) {
            return check.slowerThan() == null ? "slow-request share"
                    : "share of requests slower than " + check.slowerThan().toMillis() + " ms";
        }
    };

    public static final Threshold.Preset SUCCESS_RATE = new Threshold.Preset() {
        @Override public String name() { return "istio-success-rate"; }
        @Override public Measure measure(Threshold.Spec check) { return new Measure.SuccessRate(METRICS, check.arm()); }
        @Override public String describe(Threshold.Spec check) { return "success rate"; }

        @Override
        public Optional<String> bound(String field, String written, double value) {
            return PresetBounds.percentage(field, written, value);
        }
    };

    public static final Threshold.Preset LATENCY_P99 = new Threshold.Preset() {
        @Override public String name() { return "istio-latency-p99"; }
        @Override public String describe(Threshold.Spec check) { return "p99 latency"; }
        @Override public String boundExample() { return ", e.g. max: 500 (milliseconds)"; }

        @Override
        public Measure measure(Threshold.Spec check) {
            return new Measure.LatencyExceedances(METRICS, check.arm(), check.name(), check.max(), P99);
        }

        @Override
        public Optional<String> bound(String field, String written, double value) {
            return PresetBounds.latency(field, written, value);
        }

        /**
         * "p99 at or under max" on the histogram: judged as an anytime-valid test on the share of requests slower
         * than max (see {@link QuantileSloJudge}) rather than as a threshold on the interpolated p99, which fails
         * identical canaries by chance when re-checked every interval. A p99 with a lower bound (an unusual "not
         * faster than") stays a plain threshold.
         */
        @Override
        public Optional<Judge> judge(Threshold.Spec check) {
            return check.max() != null && check.min() == null
                    ? Optional.of(new QuantileSloJudge(P99, check.max(), check.minSamples())) : Optional.empty();
        }
    };

    @Override
    public List<Preset> presets() {
        return List.of(ERROR_RATE, SLOW_REQUESTS, SUCCESS_RATE, LATENCY_P99);
    }

    @Override
    public RequestMetrics metrics() {
        return METRICS;
    }

    @Override
    public boolean serves(Target target) {
        return target instanceof IstioTarget;
    }
}
