package dev.aviary.policy;

import dev.aviary.checks.Comparison;
import dev.aviary.checks.Threshold;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.aviary.policy.PolicyTestSupport.FILE;
import static dev.aviary.policy.PolicyTestSupport.assertAt;
import static dev.aviary.policy.PolicyTestSupport.problems;
import static dev.aviary.policy.PolicyTestSupport.render;
import static dev.aviary.policy.PolicyTestSupport.replace;
import static dev.aviary.policy.PolicyTestSupport.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyLoaderTest {

    private final PolicyLoader loader = new PolicyLoader();

    /** A minimal valid policy; tests below change one thing at a time. Line numbers matter. */
    static final String MINIMAL = """
            apiVersion: aviary.dev/v1
            kind: CanaryPolicy
            metadata:
              name: fraud
            spec:
              target:
                istio:
                  virtualService: fraud
                  baseline: {subset: v1}
                  canary: {subset: v2}
              steps:
                - weight: 50
                - weight: 100
              checks:
                - name: errors
                  preset: istio-error-rate
                  tolerance: 10%
            """;

    // ------------------------------------------------------------------ defaults

    @Test
    void minimalPolicyGetsTheDocumentedDefaults() throws Exception {
        Policy p = loader.parse(MINIMAL, FILE);
        assertEquals("default", p.namespace());
        assertEquals("default/fraud", p.key());
        assertEquals(Duration.ofSeconds(30), p.interval());
        assertEquals(Duration.ofHours(1), p.maxStepDuration());
        assertEquals(Policy.TimeoutAction.ROLLBACK, p.onTimeout());
        assertEquals(new Policy.NoDataRule(Duration.ofMinutes(5), Policy.TimeoutAction.PAUSE), p.noData());
        assertEquals(0.01, p.alpha());
        assertEquals(500, p.minRequests());
        assertEquals(Duration.ofSeconds(30), p.steps().get(0).minDuration());
        assertNull(((IstioTarget) p.target()).route());
        assertEquals(List.of(), p.notifications());
        assertInstanceOf(Comparison.Spec.class, p.checks().get(0));
        assertEquals(PolicyLoader.sha256(MINIMAL.getBytes(java.nio.charset.StandardCharsets.UTF_8)), p.hash());
    }

    @Test
    void stepMinDurationDefaultsToTheIntervalWhenTheIntervalIsSet() throws Exception {
        Policy p = loader.parse(replace(MINIMAL, "  steps:", "  interval: 1m\n  steps:"), FILE);
        assertEquals(Duration.ofMinutes(1), p.steps().get(1).minDuration());
    }

    @Test
    void noDataFieldsDefaultIndividually() throws Exception {
        Policy p = loader.parse(replace(MINIMAL, "  steps:", "  noData: {then: rollback}\n  steps:"), FILE);
        assertEquals(new Policy.NoDataRule(Duration.ofMinutes(5), Policy.TimeoutAction.ROLLBACK), p.noData());
    }

    // ------------------------------------------------------------------ YAML and header

    @Test
    void invalidYamlPointsAtTheProblem() {
        single(replace(MINIMAL, "  name: fraud", "  name: fraud\n   bad: [1, 2"), 5, 7, "", "invalid YAML");
    }

    @Test
    void emptyFile() {
        single("# nothing here\n", 1, 1, "", "the file is empty");
    }

    @Test
    void duplicateYamlKeysAreNotSilentlyMerged() {
        single(replace(MINIMAL, "  name: fraud", "  name: fraud\n  name: fraud2"), 5, 3, "", "duplicate key \"name\"",
                "first at line 4");
    }

    @Test
    void missingHeaderFieldsAreAllReported() {
        String yaml = """
                spec:
                  target: {kserve: {inferenceService: fraud}}
                  steps: [{weight: 50}, {weight: 100}]
                  checks: [{name: errors, preset: knative-error-rate, tolerance: 10%}]
                """;
        List<Problem> ps = problems(yaml);
        assertEquals(3, ps.size(), () -> render(ps));
        assertAt(ps.get(0), 1, 1, "apiVersion", "apiVersion is missing");
        assertAt(ps.get(1), 1, 1, "kind", "kind is missing");
        assertAt(ps.get(2), 1, 1, "metadata", "metadata is missing");
    }

    @Test
    void missingName() {
        single(replace(MINIMAL, "  name: fraud", "  namespace: ml"), 3, 1, "metadata.name", "metadata.name is missing");
    }

    @Test
    void wrongApiVersionAndKind() {
        List<Problem> ps = problems(replace(replace(MINIMAL, "aviary.dev/v1", "aviary.dev/v2"), "CanaryPolicy", "canarypolicy"));
        assertEquals(2, ps.size(), () -> render(ps));
        assertAt(ps.get(0), 1, 13, "apiVersion", "apiVersion must be aviary.dev/v1", "\"aviary.dev/v2\"");
        assertAt(ps.get(1), 2, 7, "kind", "kind must be CanaryPolicy", "mind the capitals");
    }

    // ------------------------------------------------------------------ unknown fields

    @Test
    void unknownFieldSuggestsTheClosestKnownOne() {
        Problem p = single(replace(MINIMAL, "    - weight: 50", "    - weigth: 50"), 12, 7, "spec.steps[0].weigth",
                "unknown field \"weigth\"; did you mean \"weight\"?");
        assertEquals("policies/p.yaml:12:7: spec.steps[0].weigth: unknown field \"weigth\"; did you mean \"weight\"?",
                p.toString());
    }

    @Test
    void unknownFieldWithoutCloseMatchListsTheKnownOnes() {
        single(replace(MINIMAL, "  name: fraud", "  name: fraud\n  owner: ml-team"), 5, 3, "metadata.owner",
                "unknown field \"owner\"; known fields here: name, namespace, labels, annotations");
    }

    @Test
    void fieldAtTheWrongLevelSaysWhereItBelongs() {
        single(replace(MINIMAL, "kind: CanaryPolicy", "kind: CanaryPolicy\nminRequests: 100"), 3, 1, "minRequests",
                "minRequests belongs in spec");
    }

    @Test
    void misspeltSpecFieldIsCaseInsensitiveForSuggestions() {
        single(replace(MINIMAL, "  steps:", "  MaxStepDuration: 1h\n  steps:"), 11, 3, "spec.MaxStepDuration",
                "did you mean \"maxStepDuration\"?");
    }

    // ------------------------------------------------------------------ target

    @Test
    void missingTarget() {
        String yaml = MINIMAL.replaceAll("(?s)  target:.*?(?=  steps:)", "");
        single(yaml, 5, 1, "spec.target", "spec.target is missing", "target.istio", "target.kserve");
    }

    @Test
    void bothIstioAndKserve() {
        single(replace(MINIMAL, "  steps:", "    kserve: {inferenceService: fraud}\n  steps:"), 11, 13,
                "spec.target.kserve", "both istio and kserve");
    }

    @Test
    void istioNeedsVirtualServiceBaselineAndCanary() {
        String yaml = replace(replace(MINIMAL, "      virtualService: fraud\n", ""), "      canary: {subset: v2}\n", "");
        List<Problem> ps = problems(yaml);
        assertEquals(2, ps.size(), () -> render(ps));
        assertAt(ps.get(0), 7, 5, "spec.target.istio.virtualService", "virtualService is missing");
        assertAt(ps.get(1), 7, 5, "spec.target.istio.canary", "canary is missing");
    }

    @Test
    void armNeedsASubset() {
        single(replace(MINIMAL, "canary: {subset: v2}", "canary: {version: v2}"), 10, 7, "spec.target.istio.canary.subset",
                "subset is missing");
    }

    @Test
    void baselineAndCanaryMustDiffer() {
        single(replace(MINIMAL, "canary: {subset: v2}", "canary: {subset: v1}"), 10, 24,
                "spec.target.istio.canary.subset", "both subset \"v1\"");
    }

    @Test
    void kserveTargetTakesOnlyWeightSteps() throws Exception {
        String kserve = kserve("{inferenceService: fraud}");
        assertEquals("InferenceService/fraud", loader.parse(kserve, FILE).target().describe());
        single(replace(kserve, "    - weight: 50", "    - mirror: 50"), 9, 15, "spec.steps[0].mirror",
                "need an Istio target");
    }

    @Test
    void kserveTargetMayNameItsComponent() throws Exception {
        String kserve = kserve("{inferenceService: fraud, component: transformer}");
        assertEquals(new KServeTarget("fraud", "transformer"), loader.parse(kserve, FILE).target());
        single(replace(kserve, "component: transformer", "component: ranker"), 7, 50, "spec.target.kserve.component",
                "is not a KServe component; use one of predictor, transformer, explainer");
    }

    @Test
    void aPresetMustMeasureTheTargetsMesh() throws Exception {
        // an InferenceService in Standard mode is measured by its predictors' Istio sidecars: Istio presets apply
        loader.parse(replace(kserve("{inferenceService: fraud}"), "knative-error-rate", "istio-error-rate"), FILE);
        single(replace(MINIMAL, "preset: istio-error-rate\n      tolerance: 10%", "preset: knative-latency-p99\n      max: 500"),
                16, 15, "spec.checks[0].preset", "preset knative-latency-p99 reads metrics that do not measure VirtualService/fraud; "
                        + "use istio-latency-p99");
    }

    /** MINIMAL with a KServe target written as {@code target} and its error check on Knative's metrics. */
    private static String kserve(String target) {
        return replace(replace(MINIMAL.replaceAll("(?s)    istio:.*?(?=  steps:)", ""), "  target:",
                "  target:\n    kserve: " + target), "istio-error-rate", "knative-error-rate");
    }

    // ------------------------------------------------------------------ steps

    @Test
    void weightsMustIncrease() {
        Problem p = single(replace(MINIMAL, "    - weight: 50\n", "    - weight: 50\n    - weight: 30\n"), 13, 15,
                "spec.steps[1].weight", "weight 30 is not above the previous step's 50; weights must increase");
        assertEquals("policies/p.yaml:13:15: spec.steps[1].weight: weight 30 is not above the previous step's 50; "
                + "weights must increase", p.toString());
    }

    @Test
    void weightOutsideRange() {
        single(replace(MINIMAL, "weight: 50", "weight: 150"), 12, 15, "spec.steps[0].weight", "weight 150 is outside 0–100");
    }

    @Test
    void weightMustBeAWholeNumber() {
        single(replace(MINIMAL, "weight: 50", "weight: \"50\""), 12, 15, "spec.steps[0].weight",
                "must be a whole number", "without quotes");
    }

    @Test
    void stepNeedsExactlyOneAction() {
        List<Problem> ps = problems(replace(MINIMAL, "    - weight: 50\n",
                "    - minDuration: 5m\n    - weight: 20\n      mirror: 10\n"));
        assertEquals(2, ps.size(), () -> render(ps));
        assertAt(ps.get(0), 12, 7, "spec.steps[0]", "needs one of weight, headerRoute, mirror or pause");
        assertAt(ps.get(1), 14, 7, "spec.steps[1]", "has weight and mirror", "split it");
    }

    @Test
    void mirrorOutsideRange() {
        single(replace(MINIMAL, "    - weight: 50", "    - mirror: 0"), 12, 15, "spec.steps[0].mirror", "mirror 0 is outside 1–100");
    }

    @Test
    void lastStepMustPromote() {
        single(replace(MINIMAL, "    - weight: 100\n", ""), 12, 15, "spec.steps[0]",
                "the last step is weight 50%", "never be promoted", "weight: 100");
    }

    @Test
    void headerRouteStepAfterAWeightStep() {
        single(replace(MINIMAL, "    - weight: 100", "    - headerRoute: {header: x-group, exact: a}\n    - weight: 100"),
                13, 20, "spec.steps[1].headerRoute", "after weight 50", "before the weight steps");
    }

    @Test
    void headerRouteAcceptsExactPrefixOrRegex() throws Exception {
        Policy p = loader.parse(replace(MINIMAL, "    - weight: 50",
                "    - headerRoute: {header: user-group, prefix: beta-}\n    - headerRoute: {header: x-b, regex: \"^a.*\"}\n    - weight: 50"), FILE);
        assertEquals(new Step.HeaderMatch("user-group", Step.HeaderMatch.MatchType.PREFIX, "beta-"), p.steps().get(0).headerRoute());
        assertEquals(Step.HeaderMatch.MatchType.REGEX, p.steps().get(1).headerRoute().type());
    }

    @Test
    void upperCaseHeaderNameIsRejectedWithTheLowerCaseSpelling() {
        single(replace(MINIMAL, "    - weight: 50", "    - headerRoute: {header: User-Group, exact: canary}\n    - weight: 50"),
                12, 29, "spec.steps[0].headerRoute.header", "must be lower-case", "write user-group");
    }

    @Test
    void headerRouteNeedsOneMatch() {
        single(replace(MINIMAL, "    - weight: 50", "    - headerRoute: {header: a, exact: b, regex: c}\n    - weight: 50"),
                12, 42, "spec.steps[0].headerRoute", "one of exact, prefix or regex, not exact and regex");
    }

    @Test
    void badDurations() {
        String yaml = replace(replace(replace(MINIMAL, "  steps:", "  interval: 5 minutes\n  maxStepDuration: -1h\n  steps:"),
                "    - weight: 50", "    - weight: 50\n      minDuration: 10"), "      preset: istio-error-rate", "      preset: istio-error-rate\n      slowerThan: 1x");
        List<Problem> ps = problems(yaml);
        assertEquals(5, ps.size(), () -> render(ps));
        assertAt(ps.get(0), 11, 13, "spec.interval", "\"5 minutes\" is not a duration", "30s, 5m, 1h30m or 500ms");
        assertAt(ps.get(1), 12, 20, "spec.maxStepDuration", "negative");
        assertAt(ps.get(2), 15, 20, "spec.steps[0].minDuration", "has no unit", "10s");
        assertAt(ps.get(3), 20, 19, "spec.checks[0].slowerThan", "not a duration");
        assertAt(ps.get(4), 20, 7, "spec.checks[0].slowerThan", "applies only to presets istio-slow-requests, knative-slow-requests");
    }

    @Test
    void goStyleDurationsParse() {
        assertEquals(Duration.ofMinutes(90), Durations.parse("1h30m"));
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(30), Durations.parse("30s"));
        assertEquals(Duration.ofMinutes(90), Durations.parse("1.5h"));
        assertEquals(Duration.ofDays(2), Durations.parse("2d"));
        assertEquals("1h30m", Durations.format(Duration.ofMinutes(90)));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("5 minutes"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("-5m"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("m5"));
    }

    @Test
    void minDurationLongerThanMaxStepDuration() {
        single(replace(MINIMAL, "    - weight: 50", "    - weight: 50\n      minDuration: 2h"), 13, 20,
                "spec.steps[0].minDuration", "always time out");
    }

    @Test
    void onTimeoutMustBeRollbackOrPause() {
        single(replace(MINIMAL, "  steps:", "  onTimeout: rolback\n  steps:"), 11, 14, "spec.onTimeout",
                "rollback or pause", "did you mean \"rollback\"?");
    }

    // ------------------------------------------------------------------ checks

    @Test
    void unknownPresetListsTheKnownOnes() {
        single(replace(MINIMAL, "preset: istio-error-rate", "preset: istio-errors"), 16, 15, "spec.checks[0].preset",
                "unknown preset \"istio-errors\"",
                "known presets: istio-error-rate, istio-slow-requests, istio-success-rate, istio-latency-p99, knative-error-rate, knative-slow-requests, knative-latency-p99");
    }

    @Test
    void toleranceAsPercentOrFraction() throws Exception {
        assertEquals(0.1, ((Comparison.Spec) loader.parse(replace(MINIMAL, "10%", "0.1"), FILE).checks().get(0)).tolerance(), 1e-12);
        assertEquals(0.125, ((Comparison.Spec) loader.parse(replace(MINIMAL, "10%", "12.5%"), FILE).checks().get(0)).tolerance(), 1e-12);
        single(replace(MINIMAL, "10%", "10"), 17, 18, "spec.checks[0].tolerance", "reads as 1000%", "10% or a fraction like 0.1");
        single(replace(MINIMAL, "10%", "ten percent"), 17, 18, "spec.checks[0].tolerance", "percent like 10%");
    }

    @Test
    void comparisonNeedsATolerance() {
        single(replace(MINIMAL, "      tolerance: 10%\n", ""), 15, 7, "spec.checks[0].tolerance", "needs a tolerance");
    }

    @Test
    void alphaAndMinRequestsRanges() {
        List<Problem> ps = problems(replace(MINIMAL, "  steps:", "  alpha: 0.6\n  minRequests: -1\n  steps:"));
        assertEquals(2, ps.size(), () -> render(ps));
        assertAt(ps.get(0), 11, 10, "spec.alpha", "alpha 0.6 is outside (0, 0.5]");
        assertAt(ps.get(1), 12, 16, "spec.minRequests", "negative");
        single(replace(MINIMAL, "  steps:", "  alpha: 0\n  steps:"), 11, 10, "spec.alpha", "outside (0, 0.5]");
    }

    @Test
    void duplicateCheckNames() {
        single(MINIMAL + "    - name: errors\n      preset: istio-slow-requests\n      slowerThan: 1s\n      tolerance: 5%\n",
                18, 13, "spec.checks[1].name", "duplicate check name \"errors\"", "first at line 15");
    }

    @Test
    void unknownCheckType() {
        single(MINIMAL + "    - name: p99\n      type: treshold\n      query: q{{arm}}\n      max: 1\n", 19, 13,
                "spec.checks[1].type", "unknown check type \"treshold\"", "did you mean \"threshold\"?");
    }

    @Test
    void shadowAgreementNeedsASource() {
        single(MINIMAL + "    - name: agreement\n      type: shadow-agreement\n      minAgreement: 95%\n", 18, 7,
                "spec.checks[1].source", "a shadow-agreement check needs source: replay");
    }

    @Test
    void minAgreementIsAPercentToo() {
        List<Problem> ps = problems(MINIMAL + "    - name: agreement\n      type: shadow-agreement\n      minAgreement: 95\n");
        assertEquals(2, ps.size(), () -> render(ps));
        assertAt(ps.get(0), 20, 21, "spec.checks[1].minAgreement", "reads as 9500%");
        assertAt(ps.get(1), 18, 7, "spec.checks[1].source", "needs source");
    }

    @Test
    void presetDecidesTheType() throws Exception {
        Policy p = loader.parse(MINIMAL + """
                    - name: success
                      preset: istio-success-rate
                      min: 0.99
                      minSamples: 50
                      arm: baseline
                """, FILE);
        Threshold.Spec c = assertInstanceOf(Threshold.Spec.class, p.checks().get(1));
        assertEquals(0.99, c.min());
        assertEquals(50, c.minSamples());
        assertEquals("baseline", c.arm());
    }

    @Test
    void explicitTypeMustAgreeWithThePreset() {
        single(replace(MINIMAL, "  preset: istio-error-rate", "  preset: istio-error-rate\n      type: threshold"), 17, 13,
                "spec.checks[0].type", "is a comparison check, not threshold");
    }

    @Test
    void thresholdNeedsMinOrMax() {
        single(MINIMAL + "    - name: p99\n      preset: istio-latency-p99\n", 18, 7, "spec.checks[1]",
                "needs min or max", "max: 500 (milliseconds)");
    }

    @Test
    void comparisonWithoutPresetNeedsBothQueries() throws Exception {
        single(MINIMAL + "    - name: bad\n      type: comparison\n      query: sum(x{v=\"{{arm}}\"})\n      tolerance: 5%\n",
                18, 7, "spec.checks[1].totalQuery", "needs totalQuery");
        Policy p = loader.parse(MINIMAL + "    - name: bad\n      type: comparison\n      query: a{{arm}}\n"
                + "      totalQuery: b{{ window }}\n      tolerance: 5%\n", FILE);
        assertEquals("b{{ window }}", ((Comparison.Spec) p.checks().get(1)).totalQuery());
    }

    @Test
    void unknownQueryPlaceholder() {
        single(MINIMAL + "    - name: p\n      type: threshold\n      query: x[{{windw}}]\n      max: 1\n", 20, 14,
                "spec.checks[1].query", "unknown placeholder {{windw}}", "did you mean \"window\"?");
    }

    @Test
    void fieldsThatDoNotApplyToTheCheckType() {
        single(replace(MINIMAL, "      tolerance: 10%", "      tolerance: 10%\n      max: 3"), 18, 7, "spec.checks[0].max",
                "max does not apply to a comparison check");
    }

    @Test
    void slowRequestsPresetNeedsSlowerThan() {
        single(replace(MINIMAL, "istio-error-rate", "istio-slow-requests"), 15, 7, "spec.checks[0].slowerThan",
                "needs slowerThan");
    }

    @Test
    void checksAreRequired() {
        single(MINIMAL.substring(0, MINIMAL.indexOf("  checks:")), 5, 1, "spec.checks", "spec.checks is missing");
    }

    // ------------------------------------------------------------------ notify

    @Test
    void notifyTakesSecretRefsAndRejectsALiteralSlackUrl() throws Exception {
        Policy p = loader.parse(MINIMAL + """
                  notify:
                    - slack: {secretRef: slack-ml}
                    - webhook: {url: "https://hooks.example.com/aviary", secretRef: hook-hmac}
                """, FILE);
        assertEquals(List.of(new NotifySpec(NotifySpec.Kind.SLACK, null, "slack-ml"),
                new NotifySpec(NotifySpec.Kind.WEBHOOK, "https://hooks.example.com/aviary", "hook-hmac")), p.notifications());

        single(MINIMAL + "  notify:\n    - slack: {url: \"https://hooks.slack.com/services/T0/B0/x\"}\n", 19, 20,
                "spec.notify[0].slack.url", "put the Slack URL in a Secret and name it with secretRef");
        single(MINIMAL + "  notify:\n    - slack: https://hooks.slack.com/services/T0/B0/x\n", 19, 14,
                "spec.notify[0].slack", "put the Slack URL in a Secret");
        single(MINIMAL + "  notify:\n    - webhook: {url: ftp://x}\n", 19, 22, "spec.notify[0].webhook.url",
                "must start with https://");
    }

    // ------------------------------------------------------------------ all at once

    @Test
    void allProblemsOfAFileAreReportedTogetherInFileOrder() {
        String yaml = """
                apiVersion: aviary.dev/v1
                kind: CanaryPolicy
                metadata:
                  name: Fraud_Model
                spec:
                  target:
                    istio:
                      virtualService: fraud
                      baseline: {subset: v1}
                      canary: {subset: v2}
                  intervall: 30s
                  steps:
                    - weight: 60
                    - weight: 40
                    - weight: 100
                  checks:
                    - name: errors
                      preset: istio-eror-rate
                      tolerance: 10%
                  alpha: 2
                """;
        List<Problem> ps = problems(yaml);
        assertEquals(List.of("metadata.name", "spec.intervall", "spec.alpha", "spec.steps[1].weight", "spec.checks[0].preset"),
                ps.stream().map(Problem::field).toList(), () -> render(ps));
        assertAt(ps.get(0), 4, 9, "metadata.name", "not a valid Kubernetes name");
        assertAt(ps.get(1), 11, 3, "spec.intervall", "did you mean \"interval\"?");
        assertAt(ps.get(4), 18, 15, "spec.checks[0].preset", "did you mean \"istio-error-rate\"?");
    }

    @Test
    void loadReportsAnUnreadableFile() {
        Path missing = Path.of("does/not/exist.yaml");
        PolicyException e = assertThrows(PolicyException.class, () -> loader.load(missing));
        assertEquals("does/not/exist.yaml: cannot read the file: no such file", e.problems().get(0).toString());
    }

    @Test
    void aSecondYamlDocumentIsRejected() {
        single(MINIMAL + "---\nkind: CanaryPolicy\n", 19, 1, "", "second YAML document");
    }
}
