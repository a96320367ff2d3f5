package dev.aviary.checks.shadow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aviary.analysis.AgreementJudge;
import dev.aviary.analysis.DriftJudge;
import dev.aviary.checks.CheckTypes;
import dev.aviary.metrics.Measure;
import dev.aviary.policy.Policy;
import dev.aviary.policy.PolicyException;
import dev.aviary.policy.PolicyLoader;
import dev.aviary.policy.Problem;
import dev.aviary.shadow.ReplayMeasure;
import dev.aviary.shadow.ReplaySpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shadow checks as users write them, read from a policy file next to its payloads. */
class ShadowCheckReadingTest {

    @TempDir
    Path dir;
    private Path policyFile;
    private final CheckTypes types = new CheckTypes();

    private static final String HEAD = """
            apiVersion: aviary.dev/v1
            kind: CanaryPolicy
            metadata:
              name: fraud-detection
            spec:
              target:
                istio:
                  virtualService: fraud-detection
                  baseline: {subset: xgboost}
                  canary: {subset: forest}
              steps:
                - weight: 10
                  minDuration: 5m
                - weight: 100
              checks:
                - name: errors
                  preset: istio-error-rate
                  tolerance: 10%
            """;

    private static final String REPLAY = """
                - name: agreement
                  type: shadow-agreement
                  minAgreement: 95%
                  minPairs: 300
                  source:
                    replay:
                      payloads: payloads/fraud-transactions.jsonl
                      protocol: v2
                      model: fraud-classifier
                      output: predict_proba
                      labels: [legit, fraud]
                      endpoints: {baseline: "http://fraud-xgboost.default:8080", canary: "https://fraud-forest.default:8443/models"}
                      rate: 5
                      concurrency: 8
                      timeout: 2s
                      compare: {method: topk, k: 2, minOverlap: 50%}
            """;

    @BeforeEach
    void payloads() throws IOException {
        Files.createDirectories(dir.resolve("payloads"));
        Files.writeString(dir.resolve("payloads/fraud-transactions.jsonl"), """
                {"TransactionAmt": 68.5, "ProductCD": "W", "card4": "discover"}
                {"TransactionAmt": 29.0, "ProductCD": "W", "card4": "mastercard"}
                """);
        Files.createDirectories(dir.resolve("bad"));
        Files.writeString(dir.resolve("bad/broken.jsonl"), """
                {"TransactionAmt": 68.5}

                {"TransactionAmt": 29.0,
                """);
        policyFile = dir.resolve("fraud-detection.yaml");
    }

    private Policy load(String checks) throws Exception {
        Files.writeString(policyFile, HEAD + checks);
        return new PolicyLoader(types).load(policyFile);
    }

    private List<Problem> problems(String checks) throws IOException {
        Files.writeString(policyFile, HEAD + checks);
        PolicyException e = assertThrows(PolicyException.class, () -> new PolicyLoader(types).load(policyFile));
        return e.problems();
    }

    /** Exactly one problem, on {@code field}, whose message contains {@code fragment}. */
    private Problem single(String checks, String field, String fragment) throws IOException {
        List<Problem> ps = problems(checks);
        String all = ps.stream().map(Problem::toString).collect(Collectors.joining("\n"));
        assertEquals(1, ps.size(), all);
        assertEquals(field, ps.get(0).field(), all);
        assertTrue(ps.get(0).message().contains(fragment), all);
        assertFalse(ps.get(0).message().contains("\n"));
        return ps.get(0);
    }

    @Test
    void aReplayCheckReadsEveryField() throws Exception {
        Policy p = load(REPLAY);
        ShadowAgreement.Spec check = assertInstanceOf(ShadowAgreement.Spec.class, p.checks().get(1));
        assertEquals(0.95, check.minAgreement(), 1e-12);
        assertEquals(300, check.minPairs());
        ReplaySpec r = check.source().replay();
        assertEquals(dir.resolve("payloads/fraud-transactions.jsonl").toAbsolutePath().toString(), r.payloads());
        assertEquals("v2", r.protocol().protocol());
        assertEquals("fraud-classifier", r.protocol().model());
        assertEquals("predict_proba", r.protocol().output());
        assertEquals(List.of("legit", "fraud"), r.protocol().labels());
        assertEquals("http://fraud-xgboost.default:8080", r.endpoints().baseline().url().toString());
        assertEquals("https://fraud-forest.default:8443/models", r.endpoints().canary().url().toString());
        assertEquals(5, r.rate());
        assertEquals(8, r.concurrency());
        assertEquals(Duration.ofSeconds(2), r.timeout());
        assertEquals("topk", r.compare().method());
        assertEquals(2, r.compare().k());
        assertEquals(0.5, r.compare().minOverlap(), 1e-12);
        assertFalse(check.reachesArmsDirectly(), "explicit endpoints need no route from the router");

        ReplayMeasure m = assertInstanceOf(ReplayMeasure.class, types.of(check));
        assertEquals("agreement", m.check());
        assertFalse(m.predictions());
        AgreementJudge judge = assertInstanceOf(AgreementJudge.class, types.judge(check));
        assertEquals(0.95, judge.minAgreement(), 1e-12);
        assertEquals(300, judge.minPairs());
    }

    @Test
    void defaultsAndDerivedEndpoints() throws Exception {
        Policy p = load("""
                    - name: agreement
                      type: shadow-agreement
                      minAgreement: 0.9
                      source:
                        replay: {payloads: payloads, protocol: json, path: /classify, prediction: /prediction}
                    - name: drift
                      type: prediction-drift
                      source:
                        replay: {payloads: configmap/fraud-payloads, protocol: tfserving, model: fraud}
                """);
        ShadowAgreement.Spec a = (ShadowAgreement.Spec) p.checks().get(1);
        ReplaySpec r = a.source().replay();
        assertEquals(ShadowAgreement.DEFAULT_MIN_PAIRS, a.minPairs());
        assertEquals(ReplaySpec.DEFAULT_RATE, r.rate());
        assertEquals(ReplaySpec.DEFAULT_CONCURRENCY, r.concurrency());
        assertEquals(ReplaySpec.DEFAULT_TIMEOUT, r.timeout());
        assertEquals("top1", r.compare().method());
        assertEquals("/classify", r.protocol().path());
        assertNull(r.protocol().model());
        assertNull(r.endpoints());
        assertTrue(a.reachesArmsDirectly(), "derived endpoints: the router must keep a way to each arm");

        PredictionDrift.Spec d = (PredictionDrift.Spec) p.checks().get(2);
        assertEquals(PredictionDrift.DEFAULT_MIN_PAIRS, d.minPairs());
        assertEquals("configmap/fraud-payloads", d.source().replay().payloads());
        assertTrue(assertInstanceOf(ReplayMeasure.class, types.of(d)).predictions());
        assertEquals(PredictionDrift.DEFAULT_MIN_PAIRS, assertInstanceOf(DriftJudge.class, types.judge(d)).minPairs());
    }

    @Test
    void aPrometheusSourceGivesAgreementCounts() throws Exception {
        Policy p = load("""
                    - name: agreement
                      type: shadow-agreement
                      minAgreement: 95%
                      source:
                        prometheus:
                          agreeQuery: sum(increase(shadow_agreed_total[{{window}}]))
                          totalQuery: sum(increase(shadow_compared_total[{{window}}]))
                """);
        ShadowAgreement.Spec a = (ShadowAgreement.Spec) p.checks().get(1);
        Measure.AgreementCounts m = assertInstanceOf(Measure.AgreementCounts.class, types.of(a));
        assertEquals("sum(increase(shadow_agreed_total[{{window}}]))", m.agreeQuery());
        assertEquals("sum(increase(shadow_compared_total[{{window}}]))", m.totalQuery());
        assertEquals("agreement", m.check());
        assertFalse(a.reachesArmsDirectly());
    }

    @Test
    void aPayloadThatIsNotJsonKeepsThePolicyFromLoading() throws IOException {
        Problem p = single(REPLAY.replace("payloads/fraud-transactions.jsonl", "bad/broken.jsonl"), "spec.checks[1].source.replay.payloads",
                "payloads: " + dir.resolve("bad/broken.jsonl").toAbsolutePath() + ":3: not valid JSON: ");
        assertEquals(policyFile, p.file());
        single(REPLAY.replace("payloads/fraud-transactions.jsonl", "missing.jsonl"), "spec.checks[1].source.replay.payloads",
                "missing.jsonl: no such file or directory");
        single(REPLAY.replace("payloads/fraud-transactions.jsonl", "configmap/Fraud_Payloads"), "spec.checks[1].source.replay.payloads",
                "does not name a ConfigMap");
    }

    @Test
    void everyReplayFieldIsChecked() throws IOException {
        String at = "spec.checks[1].source.replay.";
        single(REPLAY.replace("protocol: v2", "protocol: v3"), at + "protocol", "unknown protocol \"v3\"; did you mean \"v2\"?");
        single(REPLAY.replace("output: predict_proba", "output: predict_proba\n          protocl: v2"), at + "protocl",
                "did you mean \"protocol\"?");
        single(REPLAY.replace("model: fraud-classifier", "model: fraud-classifier\n          path: /infer"), at + "path",
                "path applies to protocol json only");
        single(REPLAY.replace("protocol: v2", "protocol: tfserving"), at + "output", "output applies to protocol v2 only");
        single(REPLAY.replace("output: predict_proba", "prediction: /outputs/0"), at + "prediction",
                "prediction does not apply to protocol v2");
        single(REPLAY.replace("          model: fraud-classifier\n", ""), at + "model", "protocol v2 needs model");
        single(REPLAY.replace("protocol: v2", "protocol: kserve-v1").replace("output: predict_proba", "prediction: predictions"),
                at + "prediction", "is not a JSON Pointer");
        single(REPLAY.replace("protocol: v2", "protocol: kserve-v1").replace("output: predict_proba", "prediction: /a~2b"),
                at + "prediction", "is not a JSON Pointer");
        single(REPLAY.replace("labels: [legit, fraud]", "labels: [legit, legit]"), at + "labels", "repeats a label");
        single(REPLAY.replace("rate: 5", "rate: 500"), at + "rate", "rate 500 is outside (0, 100] replays per second");
        single(REPLAY.replace("rate: 5", "rate: 0"), at + "rate", "is outside (0, 100]");
        single(REPLAY.replace("concurrency: 8", "concurrency: 0"), at + "concurrency", "outside 1..64");
        single(REPLAY.replace("concurrency: 8", "concurrency: 65"), at + "concurrency", "outside 1..64");
        single(REPLAY.replace("timeout: 2s", "timeout: 5m"), at + "timeout", "timeout 5m is above 60s");
        single(REPLAY.replace("timeout: 2s", "timeout: 0s"), at + "timeout", "timeout must be above 0");

        List<Problem> json = problems(REPLAY.replace("protocol: v2", "protocol: json").replace("          output: predict_proba\n", ""));
        assertEquals(List.of(at + "path", at + "prediction", at + "model"), json.stream().map(Problem::field).toList(),
                json.toString());
        assertTrue(json.get(0).message().contains("protocol json needs path"));
        assertTrue(json.get(1).message().contains("protocol json needs prediction: a JSON Pointer"));
    }

    @Test
    void endpointsAreHttpUrlsWithoutCredentials() throws IOException {
        String at = "spec.checks[1].source.replay.endpoints.";
        Problem secret = single(REPLAY.replace("http://fraud-xgboost", "http://admin:hunter2@fraud-xgboost"), at + "baseline",
                "carries credentials");
        assertFalse(secret.message().contains("hunter2"), secret.message());
        single(REPLAY.replace("http://fraud-xgboost.default:8080", "ftp://fraud-xgboost"), at + "baseline", "must be an http(s) URL");
        single(REPLAY.replace("http://fraud-xgboost.default:8080", "fraud-xgboost:8080"), at + "baseline", "must be an http(s) URL");
        single(REPLAY.replace("/models\"", "/models?x=1\""), at + "canary", "without ?query");
        single(REPLAY.replace(", canary: \"https://fraud-forest.default:8443/models\"", ""), at + "canary", "canary is missing");
    }

    @Test
    void compareTakesItsMethodsParametersOnly() throws IOException {
        String at = "spec.checks[1].source.replay.compare";
        String topk = "compare: {method: topk, k: 2, minOverlap: 50%}";
        single(REPLAY.replace(topk, "compare: topk"), at, "compare topk needs its parameters; write compare: {method: topk, k: 5");
        single(REPLAY.replace(topk, "compare: top-1"), at, "unknown compare method \"top-1\"; did you mean \"top1\"?");
        single(REPLAY.replace(topk, "compare: {method: jss, tolerance: 0.1}"), at + ".method", "did you mean \"js\"?");
        single(REPLAY.replace(topk, "compare: {method: topk, k: 0}"), at + ".k", "k 0 is outside 1..1000");
        single(REPLAY.replace(topk, "compare: {method: topk, minOverlap: 50%}"), at + ".k", "compare topk needs k");
        single(REPLAY.replace(topk, "compare: {method: topk, k: 3, minOverlap: 0%}"), at + ".minOverlap", "must be above 0");
        single(REPLAY.replace(topk, "compare: {method: top1, k: 3}"), at + ".k", "k does not apply to compare method top1");
        single(REPLAY.replace(topk, "compare: {method: topk, k: 3, tolerance: 0.1}"), at + ".tolerance", "tolerance does not apply to compare method topk");
        single(REPLAY.replace(topk, "compare: {method: max-prob-delta}"), at + ".tolerance", "compare max-prob-delta needs tolerance");
        single(REPLAY.replace(topk, "compare: {method: max-prob-delta, tolerance: 100%}"), at + ".tolerance", "is outside (0, 1)");
        single(REPLAY.replace(topk, "compare: {method: js, tolerance: 0}"), at + ".tolerance", "is outside (0, 1]");
        single(REPLAY.replace(topk, "compare: {method: numeric, tolerance: -1}"), at + ".tolerance", "is negative");
    }

    @Test
    void checkLevelMistakes() throws IOException {
        String at = "spec.checks[1].";
        single(REPLAY.replace("minAgreement: 95%", "minAgreement: 100%"), at + "minAgreement", "can never be shown");
        single(REPLAY.replace("minAgreement: 95%", "minAgreement: 0%"), at + "minAgreement", "no check at all");
        single(REPLAY.replace("      minAgreement: 95%\n", ""), at + "minAgreement", "needs minAgreement");
        single(REPLAY.replace("minPairs: 300", "minPairs: 0"), at + "minPairs", "minPairs 0 is outside 1..1,000,000");
        single(REPLAY.replace("minPairs: 300", "minPairs: 300\n      tolerance: 10%"), at + "tolerance",
                "tolerance does not apply to a shadow-agreement check");
        single(REPLAY.replace("minPairs: 300", "minPairs: 300\n      query: x"), at + "query", "write source.prometheus.agreeQuery");
    }

    @Test
    void shadowFieldsOnOtherChecksAndSourceShape() throws IOException {
        single("""
                    - name: slow
                      preset: istio-slow-requests
                      slowerThan: 250ms
                      tolerance: 10%
                      minPairs: 200
                """, "spec.checks[1].minPairs", "minPairs belongs to shadow-agreement and prediction-drift checks only");
        single("""
                    - name: slow
                      preset: istio-slow-requests
                      slowerThan: 250ms
                      tolerance: 10%
                      minAgreement: 95%
                """, "spec.checks[1].minAgreement", "minAgreement belongs to shadow-agreement checks only");
        single(REPLAY.replace("type: shadow-agreement", "type: prediction-drift").replace("      minAgreement: 95%\n", "")
                .replace("    replay:", "    prometheus: {agreeQuery: a, totalQuery: b}\n        replay:"),
                "spec.checks[1].source", "not both");
        single("""
                    - name: drift
                      type: prediction-drift
                      source:
                        prometheus: {agreeQuery: a, totalQuery: b}
                """, "spec.checks[1].source.prometheus", "use source.replay");
        single("""
                    - name: agreement
                      type: shadow-agreement
                      minAgreement: 95%
                      source:
                        prometheus: {agreeQuery: "a[{{windw}}]", totalQuery: b}
                """, "spec.checks[1].source.prometheus.agreeQuery", "unknown placeholder {{windw}}; did you mean \"window\"?");
        single("""
                    - name: agreement
                      type: shadow-agreement
                      minAgreement: 95%
                      source: {}
                """, "spec.checks[1].source", "source needs replay");
        single(REPLAY.replace("type: shadow-agreement", "type: prediction-drift"), "spec.checks[1].minAgreement",
                "minAgreement does not apply to a prediction-drift check");
    }

    @Test
    void theSchemaKnowsTheSameFields() throws IOException {
        JsonNode schema = new ObjectMapper().readTree(Files.readString(Path.of("policies/schema/canary-policy.schema.json")));
        assertEquals(SourceSpec.SOURCE_FIELDS, names(schema.at("/$defs/shadowSource/properties")));
        assertEquals(SourceSpec.REPLAY_FIELDS, names(schema.at("/$defs/shadowSource/properties/replay/properties")));
        assertEquals(SourceSpec.PROMETHEUS_FIELDS, names(schema.at("/$defs/shadowSource/properties/prometheus/properties")));
        assertEquals(SourceSpec.ENDPOINTS_FIELDS, names(schema.at("/$defs/shadowSource/properties/replay/properties/endpoints/properties")));
        assertEquals(SourceSpec.COMPARE_FIELDS, names(schema.at("/$defs/shadowSource/properties/replay/properties/compare/oneOf/1/properties")));
        assertEquals(SourceSpec.PROTOCOLS, texts(schema.at("/$defs/shadowSource/properties/replay/properties/protocol/enum")));
        assertEquals(SourceSpec.COMPARE_METHODS, texts(schema.at("/$defs/shadowSource/properties/replay/properties/compare/oneOf/1/properties/method/enum")));
        assertEquals(types.typeNames(), texts(schema.at("/$defs/check/properties/type/enum")));
        JsonNode replay = schema.at("/$defs/shadowSource/properties/replay/properties");
        assertEquals(ReplaySpec.DEFAULT_RATE, replay.at("/rate/default").asDouble());
        assertEquals(SourceSpec.MAX_RATE, replay.at("/rate/maximum").asDouble());
        assertEquals(SourceSpec.MAX_CONCURRENCY, replay.at("/concurrency/maximum").asInt());
        assertEquals(ReplaySpec.DEFAULT_CONCURRENCY, replay.at("/concurrency/default").asInt());
        assertEquals("5s", replay.at("/timeout/default").asText());
    }

    private static List<String> names(JsonNode properties) {
        List<String> out = new ArrayList<>();
        properties.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
