package dev.aviary.metrics.prometheus;

import dev.aviary.checks.CheckTypes;

import dev.aviary.checks.Comparison;
import dev.aviary.checks.Threshold;
import dev.aviary.checks.MannWhitney;
import dev.aviary.checks.istio.IstioPresets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.analysis.JudgeMemory;
import dev.aviary.analysis.Observation;
import dev.aviary.analysis.Outcome;
import dev.aviary.analysis.StepContext;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;
import dev.aviary.policy.Step;
import dev.aviary.policy.IstioTarget;
import dev.aviary.traffic.ArmLabels;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * How the source turns Prometheus' answers into observations, on answers given per query (the end-to-end test
 * runs the same code against a real Prometheus).
 */
class PrometheusSourceTest {

    /** Answers queries from a function instead of HTTP. */
    static final class Answers extends PrometheusClient {
        private final Function<String, List<Sample>> answers;

        Answers(Function<String, List<Sample>> answers) {
            super(new TestPrometheusConfig("http://unused:9090"));
            this.answers = answers;
        }

        @Override
        public List<Sample> query(String promql) {
            return answers.apply(promql);
        }
    }

    static final ArmLabels ARMS = new ArmLabels("v1", "v2", "image-classifier");

    static Policy policy() {
        return new Policy("image-classifier", "default",
                new IstioTarget("image-classifier", "primary", new IstioTarget.Arm("resnet50", null, null),
                        new IstioTarget.Arm("resnet101", null, null)),
                Duration.ofSeconds(30), List.of(new Step(30, null, null, Duration.ofMinutes(1)), new Step(100, null, null, Duration.ZERO)),
                Duration.ofMinutes(20), Policy.TimeoutAction.ROLLBACK, new Policy.NoDataRule(Duration.ofMinutes(5), Policy.TimeoutAction.PAUSE),
                List.of(), 0.01, 500, List.of(), null, "h");
    }

    private static PrometheusClient.Sample arm(String version, double value) {
        return new PrometheusClient.Sample(Map.of("destination_version", version), value);
    }

    @Test
    void aCustomThresholdWaitsForMinSamplesOfTheArmsRequests() {
        CheckSpec check = new Threshold.Spec("err-ratio", null, "sum(rate(errs{v=\"{{arm}}\"}[{{window}}]))/sum(rate(reqs{v=\"{{arm}}\"}[{{window}}]))", null, 0.05, 500, null);
        StepContext step = new StepContext(0.3, 1, 2, 0.01, 500);
        for (long canaryRequests : new long[] {1, 600}) {
            // the canary's first request failed (ratio 1.0); it must not decide before minSamples requests
            PrometheusSource source = new PrometheusSource(new Answers(q -> q.contains("istio_requests_total")
                    ? List.of(arm("v1", 1000), arm("v2", canaryRequests)) : List.of(new PrometheusClient.Sample(Map.of(), 1.0))),
                    new TestPrometheusConfig("x"), new CheckTypes());
            Observation o = source.observe(policy(), check, ARMS, Duration.ofSeconds(30));
            var v = new CheckTypes().judge(check).judge("err-ratio", o, step, JudgeMemory.EMPTY);
            assertEquals(canaryRequests < 500 ? Outcome.INCONCLUSIVE : Outcome.FAIL, v.outcome(), v.message());
        }
    }

    @Test
    void anArmWithoutTheSlowerThanBucketIsMissingDataNotZeroSlowRequests() {
        PrometheusSource source = new PrometheusSource(new Answers(q -> List.of(
                new PrometheusClient.Sample(Map.of("destination_version", "v1", "le", "+Inf"), 1000),
                new PrometheusClient.Sample(Map.of("destination_version", "v1", "le", "250"), 900),
                new PrometheusClient.Sample(Map.of("destination_version", "v2", "le", "+Inf"), 1000))),
                new TestPrometheusConfig("x"), new CheckTypes());
        CheckSpec check = new Comparison.Spec("latency", IstioPresets.SLOW_REQUESTS, null, null, 0.2, Duration.ofMillis(250));
        Observation o = source.observe(policy(), check, ARMS, Duration.ofMinutes(5));
        assertTrue(o instanceof Observation.Missing m && m.reason().contains("v2"), "got " + o);
    }

    @Test
    void errorCountsComeFromOneQueryPerCountForBothArms() {
        PrometheusSource source = new PrometheusSource(new Answers(q -> q.contains("response_code")
                ? List.of(arm("v1", 70.4), arm("v2", 30.0)) : List.of(arm("v1", 7000.2), arm("v2", 2999.6))), new TestPrometheusConfig("x"), new CheckTypes());
        CheckSpec check = new Comparison.Spec("errors", IstioPresets.ERROR_RATE, null, null, 0.1, null);
        Observation o = source.observe(policy(), check, ARMS, Duration.ofMinutes(5));
        assertEquals(new Observation.Counts(new dev.aviary.analysis.ArmCounts(7000, 70), new dev.aviary.analysis.ArmCounts(3000, 30)), o);
    }

    @Test
    void aMissingArmIsMissingDataNeverZero() {
        PrometheusSource source = new PrometheusSource(new Answers(q -> List.of(arm("v1", 7000))), new TestPrometheusConfig("x"), new CheckTypes());
        CheckSpec check = new Comparison.Spec("errors", IstioPresets.ERROR_RATE, null, null, 0.1, null);
        Observation o = source.observe(policy(), check, ARMS, Duration.ofMinutes(5));
        assertTrue(o instanceof Observation.Missing m && m.reason().contains("v2"), "got " + o);
    }

    @Test
    void aP99BoundThatIsNotABucketSaysWhichBoundsExist() {
        PrometheusSource source = new PrometheusSource(new Answers(q -> q.startsWith("histogram_quantile") ? List.of(arm("v2", 300)) : List.of(
                new PrometheusClient.Sample(Map.of("le", "250"), 900), new PrometheusClient.Sample(Map.of("le", "500"), 995),
                new PrometheusClient.Sample(Map.of("le", "+Inf"), 1000))), new TestPrometheusConfig("x"), new CheckTypes());
        CheckSpec at400 = new Threshold.Spec("p99", IstioPresets.LATENCY_P99, null, null, 400.0, 500, null);
        Observation o = source.observe(policy(), at400, ARMS, Duration.ofMinutes(5));
        assertTrue(o instanceof Observation.Missing m && m.reason().contains("250.0 and 500.0"), "got " + o);
        CheckSpec at500 = new Threshold.Spec("p99", IstioPresets.LATENCY_P99, null, null, 500.0, 500, null);
        assertEquals(new Observation.Exceedances(1000, 5, 300), source.observe(policy(), at500, ARMS, Duration.ofMinutes(5)));
    }

    @Test
    void aMannWhitneyCheckGetsBothArmsHistogramsOnOneSetOfBuckets() {
        // cumulative buckets per arm; the canary is slower
        Map<String, List<PrometheusClient.Sample>> byArm = Map.of(
                "v1", List.of(le("100", 600), le("250", 950), le("+Inf", 1000)),
                "v2", List.of(le("100", 200), le("250", 700), le("+Inf", 1000)));
        PrometheusSource source = new PrometheusSource(new Answers(q -> byArm.get(q.contains("\"v1\"") ? "v1" : "v2")),
                new TestPrometheusConfig("x"), new CheckTypes());
        CheckSpec check = new MannWhitney.Spec("latency-rank", "sum by (le) (increase(istio_request_duration_milliseconds_bucket{destination_version=\"{{arm}}\"}[{{window}}]))");
        Observation o = source.observe(policy(), check, ARMS, Duration.ofMinutes(5));
        Observation.Histogram h = (Observation.Histogram) o;
        assertEquals(List.of(100.0, 250.0, Double.POSITIVE_INFINITY), java.util.Arrays.stream(h.upperBounds()).boxed().toList());
        assertEquals(List.of(600L, 350L, 50L), java.util.Arrays.stream(h.baseline()).boxed().toList());
        assertEquals(List.of(200L, 500L, 300L), java.util.Arrays.stream(h.canary()).boxed().toList());
        var v = new CheckTypes().judge(check).judge("latency-rank", o, new StepContext(0.5, 1, 2, 0.01, 100), JudgeMemory.EMPTY);
        assertEquals(Outcome.FAIL, v.outcome(), v.message());
        assertEquals(false, v.anytimeValid(), "a fixed-horizon test says so");
    }

    private static PrometheusClient.Sample le(String le, double value) {
        return new PrometheusClient.Sample(Map.of("le", le), value);
    }
}
