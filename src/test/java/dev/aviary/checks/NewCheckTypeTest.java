package dev.aviary.checks;

import dev.aviary.analysis.Judge;
import dev.aviary.analysis.JudgeMemory;
import dev.aviary.analysis.Observation;
import dev.aviary.analysis.Outcome;
import dev.aviary.analysis.StepContext;
import dev.aviary.analysis.Verdict;
import dev.aviary.checks.istio.IstioPresets;
import dev.aviary.metrics.Measure;
import dev.aviary.metrics.prometheus.PrometheusClient;
import dev.aviary.metrics.prometheus.PrometheusSource;
import dev.aviary.metrics.prometheus.TestPrometheusConfig;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;
import dev.aviary.policy.PolicyException;
import dev.aviary.policy.PolicyLoader;
import dev.aviary.traffic.ArmLabels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Adding a check type is one class: this test's {@link ErrorBudget}, written here and nowhere in the main code, is
 * registered with {@link CheckTypes#with} and goes through validation, the Prometheus source and its judge.
 */
class NewCheckTypeTest {

    /** {@code type: error-budget}: the canary may fail at most {@code maxErrors} requests in a step. */
    static final class ErrorBudget implements CheckType<ErrorBudget.Spec> {

        record Spec(String name, long maxErrors) implements CheckSpec {}

        @Override public String name() { return "error-budget"; }
        @Override public Class<Spec> specClass() { return Spec.class; }
        @Override public List<String> fields() { return List.of("maxErrors"); }

        @Override
        public Spec read(CheckInput in) {
            Long max = in.node().integer("maxErrors", null);
            if (!in.node().has("maxErrors")) {
                in.node().problemMissing("maxErrors", "an error-budget check needs maxErrors, e.g. maxErrors: 3");
            } else if (max != null && max < 0) {
                in.node().problemAt("maxErrors", "maxErrors " + max + " is negative");
            }
            return new Spec(in.name(), max == null ? 0 : max);
        }

        @Override
        public Measure measure(Spec check) {
            return new Measure.Errors(IstioPresets.METRICS);
        }

        @Override
        public Judge judge(Spec check, JudgeSettings settings) {
            return (name, observation, step, memory) -> {
                if (!(observation instanceof Observation.Counts c)) return Verdict.noData(name, "no counts");
                long errors = c.canary().bad();
                boolean within = errors <= check.maxErrors();
                return new Verdict(name, within ? Outcome.PASS : Outcome.FAIL, "canary failed " + errors + " requests, budget "
                        + check.maxErrors(), dev.aviary.analysis.Evidence.NONE, true);
            };
        }
    }

    static final String POLICY = """
            apiVersion: aviary.dev/v1
            kind: CanaryPolicy
            metadata:
              name: image-classifier
            spec:
              target:
                istio:
                  virtualService: image-classifier
                  baseline: {subset: resnet50}
                  canary: {subset: resnet101}
              steps:
                - weight: 30
                - weight: 100
              checks:
                - name: budget
                  type: error-budget
                  maxErrors: 3
            """;
    static final Path FILE = Path.of("policies/budget.yaml");
    static final ArmLabels ARMS = new ArmLabels("resnet50", "resnet101", "image-classifier");

    final CheckTypes checks = new CheckTypes().with(new ErrorBudget());
    final PolicyLoader loader = new PolicyLoader(checks);

    @Test
    void theNewTypeIsValidatedObservedAndJudged() throws Exception {
        Policy policy = loader.parse(POLICY, FILE);
        ErrorBudget.Spec budget = assertInstanceOf(ErrorBudget.Spec.class, policy.checks().get(0));
        assertEquals(3, budget.maxErrors());

        List<String> asked = new ArrayList<>();
        for (long canaryErrors : new long[] {2, 5}) {
            PrometheusClient prometheus = new PrometheusClient(new TestPrometheusConfig("http://unused:9090")) {
                @Override
                public List<Sample> query(String promql) {
                    asked.add(promql);
                    boolean failed = promql.contains("response_code=~\"5..\"");
                    return List.of(new Sample(Map.of("destination_version", "resnet50"), failed ? 1 : 1000),
                            new Sample(Map.of("destination_version", "resnet101"), failed ? canaryErrors : 1000));
                }
            };
            Observation o = new PrometheusSource(prometheus, new TestPrometheusConfig("x"), checks)
                    .observe(policy, budget, ARMS, Duration.ofMinutes(2));
            Observation.Counts counts = assertInstanceOf(Observation.Counts.class, o);
            assertEquals(canaryErrors, counts.canary().bad());
            Verdict v = checks.judge(budget).judge("budget", o, new StepContext(0.3, 0, 2, 0.01, 500), JudgeMemory.EMPTY);
            assertEquals(canaryErrors <= 3 ? Outcome.PASS : Outcome.FAIL, v.outcome(), v.message());
        }
        assertTrue(asked.stream().allMatch(q -> q.contains("istio_requests_total") && q.contains("[120s]")
                && q.contains("destination_service_name=\"image-classifier\"")), asked.toString());
    }

    @Test
    void theNewTypesOwnRulesReportWithFileLineAndField() {
        PolicyException negative = assertThrows(PolicyException.class,
                () -> loader.parse(POLICY.replace("maxErrors: 3", "maxErrors: -1"), FILE));
        assertEquals(1, negative.problems().size(), negative.getMessage());
        assertEquals("spec.checks[0].maxErrors", negative.problems().get(0).field());
        assertEquals(17, negative.problems().get(0).line());
        assertTrue(negative.getMessage().contains("maxErrors -1 is negative"), negative.getMessage());

        PolicyException missing = assertThrows(PolicyException.class,
                () -> loader.parse(POLICY.replace("      maxErrors: 3\n", ""), FILE));
        assertTrue(missing.getMessage().contains("needs maxErrors"), missing.getMessage());

        PolicyException misplaced = assertThrows(PolicyException.class,
                () -> loader.parse(POLICY.replace("type: error-budget", "preset: istio-error-rate\n      tolerance: 10%"), FILE));
        assertEquals(1, misplaced.problems().size(), misplaced.getMessage());
        assertEquals("maxErrors does not apply to a comparison check", misplaced.problems().get(0).message());
    }

    /** A mesh's presets are one class too: here a Knative-like family whose arms are told apart by revision_name. */
    static final class RevisionPresets implements PresetFamily {
        static final dev.aviary.metrics.RequestMetrics METRICS = new dev.aviary.metrics.RequestMetrics("revision_request_count",
                "revision_request_latencies_bucket", "response_code_class=\"5xx\"", "", "namespace_name", "configuration_name",
                "revision_name");
        static final Comparison.Preset ERRORS = new Comparison.Preset() {
            @Override public String name() { return "revision-error-rate"; }
            @Override public Measure measure(Comparison.Spec check) { return new Measure.Errors(METRICS); }
            @Override public String describe(Comparison.Spec check) { return "5xx rate"; }
        };

        @Override public List<dev.aviary.checks.Preset> presets() { return List.of(ERRORS); }
        @Override public dev.aviary.metrics.RequestMetrics metrics() { return METRICS; }
        // the test's policy targets a VirtualService: a family whose metrics do not measure it would be refused there
        @Override public boolean serves(dev.aviary.policy.Target target) { return target instanceof dev.aviary.policy.IstioTarget; }
    }

    @Test
    void aPresetFamilyIsOneClass() throws Exception {
        CheckTypes withFamily = new CheckTypes().with(new RevisionPresets());
        Policy policy = new PolicyLoader(withFamily).parse(POLICY.replace("type: error-budget\n      maxErrors: 3",
                "preset: revision-error-rate\n      tolerance: 10%"), FILE);
        Comparison.Spec errors = assertInstanceOf(Comparison.Spec.class, policy.checks().get(0));
        List<String> asked = new ArrayList<>();
        PrometheusClient prometheus = new PrometheusClient(new TestPrometheusConfig("http://unused:9090")) {
            @Override
            public List<Sample> query(String promql) {
                asked.add(promql);
                return List.of(new Sample(Map.of("revision_name", "resnet50"), 100), new Sample(Map.of("revision_name", "resnet101"), 100));
            }
        };
        Observation o = new PrometheusSource(prometheus, new TestPrometheusConfig("x"), withFamily)
                .observe(policy, errors, ARMS, Duration.ofMinutes(1));
        assertInstanceOf(Observation.Counts.class, o);
        assertEquals("sum by (revision_name) (increase(revision_request_count{namespace_name=\"default\","
                + "configuration_name=\"image-classifier\",revision_name=~\"resnet50|resnet101\",response_code_class=\"5xx\"}[60s]))",
                asked.get(1));
        assertTrue(withFamily.judge(errors) instanceof dev.aviary.analysis.AnytimeCountJudge);
        PolicyException e = assertThrows(PolicyException.class, () -> new PolicyLoader(withFamily).parse(POLICY.replace(
                "type: error-budget\n      maxErrors: 3", "preset: revision-error-rate\n      tolerance: 10%\n      slowerThan: 250ms"), FILE));
        assertTrue(e.getMessage().contains("slowerThan applies only to presets istio-slow-requests, knative-slow-requests"), e.getMessage());
    }

    @Test
    void withoutRegistrationTheTypeIsUnknown() {
        PolicyException e = assertThrows(PolicyException.class, () -> new PolicyLoader().parse(POLICY, FILE));
        assertTrue(e.getMessage().contains("unknown check type \"error-budget\"; known types: comparison, threshold, "
                + "mann-whitney"), e.getMessage());
        assertTrue(e.getMessage().contains("unknown field \"maxErrors\""), e.getMessage());
    }
}
