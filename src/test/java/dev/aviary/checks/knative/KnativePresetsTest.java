package dev.aviary.checks.knative;

import dev.aviary.analysis.Observation;
import dev.aviary.checks.CheckTypes;
import dev.aviary.metrics.prometheus.PrometheusClient;
import dev.aviary.metrics.prometheus.PrometheusSource;
import dev.aviary.metrics.prometheus.TestPrometheusConfig;
import dev.aviary.policy.Policy;
import dev.aviary.policy.PolicyException;
import dev.aviary.policy.PolicyLoader;
import dev.aviary.traffic.ArmLabels;
import java.nio.file.Files;
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
 * The knative-* presets on the shipped KServe policy: the PromQL they ask (the revisions as arms, the predictor's
 * Knative Service, the 5xx class), Knative's millisecond buckets as the p99 bounds, and the request counts of the
 * sample-ratio guard taken from Knative's counter, not Istio's.
 */
class KnativePresetsTest {

    static final Path POLICY = Path.of("policies/fraud-detection.yaml");
    /** What the KServe router reads from the tutorial's status: prev and latestCreatedRevision, and the Knative Service. */
    static final ArmLabels ARMS = new ArmLabels("fraud-classifier-predictor-00001", "fraud-classifier-predictor-00002",
            "fraud-classifier-predictor");

    final CheckTypes checks = new CheckTypes();

    @Test
    void errorRateAndTheGuardReadTheRevisionsOnKnativesCounter() throws Exception {
        Policy policy = new PolicyLoader(checks).load(POLICY);
        List<String> asked = new ArrayList<>();
        PrometheusSource source = source(asked, List.of(
                new PrometheusClient.Sample(Map.of("revision_name", ARMS.baseline()), 1000),
                new PrometheusClient.Sample(Map.of("revision_name", ARMS.canary()), 250)));

        Observation errors = source.observe(policy, policy.checks().get(0), ARMS, Duration.ofMinutes(1));
        assertInstanceOf(Observation.Counts.class, errors);
        String selector = "{namespace_name=\"kserve-deployments\",service_name=\"fraud-classifier-predictor\","
                + "revision_name=~\"fraud-classifier-predictor-00001|fraud-classifier-predictor-00002\"";
        assertEquals(List.of("sum by (revision_name) (increase(revision_app_request_count" + selector + "}[60s]))",
                "sum by (revision_name) (increase(revision_app_request_count" + selector + ",response_code_class=\"5xx\"}[60s]))"),
                asked);

        asked.clear();
        Observation.Counts guard = assertInstanceOf(Observation.Counts.class, source.requests(policy, ARMS, Duration.ofMinutes(1)));
        assertTrue(asked.get(0).contains("revision_app_request_count"), asked.get(0));
        assertEquals(1000, guard.baseline().total(), 1e-9);
        assertEquals(250, guard.canary().total(), 1e-9);
    }

    @Test
    void slowRequestsSelectTheBucketByValueWhicheverWayItIsWritten() throws Exception {
        Policy policy = new PolicyLoader(checks).load(POLICY);
        List<String> asked = new ArrayList<>();
        // the Java client writes le="250.0" where Knative's queue-proxy writes le="250": both are the 250 ms bucket
        PrometheusSource source = source(asked, List.of(
                new PrometheusClient.Sample(Map.of("revision_name", ARMS.baseline(), "le", "250"), 990),
                new PrometheusClient.Sample(Map.of("revision_name", ARMS.baseline(), "le", "+Inf"), 1000),
                new PrometheusClient.Sample(Map.of("revision_name", ARMS.canary(), "le", "250.0"), 200),
                new PrometheusClient.Sample(Map.of("revision_name", ARMS.canary(), "le", "+Inf"), 250)));
        Observation.Counts slow = assertInstanceOf(Observation.Counts.class,
                source.observe(policy, policy.checks().get(1), ARMS, Duration.ofMinutes(1)));
        assertTrue(asked.get(0).startsWith("sum by (revision_name, le) (increase(revision_app_request_latencies_bucket{"), asked.get(0));
        assertTrue(asked.get(0).contains("le=~\"250(\\\\.0+)?|\\\\+Inf\""), asked.get(0));
        assertEquals(10, slow.baseline().bad(), 1e-9);
        assertEquals(50, slow.canary().bad(), 1e-9);
    }

    @Test
    void p99BoundsAreKnativesMillisecondBuckets() throws Exception {
        String yaml = Files.readString(POLICY);
        new PolicyLoader(checks).parse(yaml.replace("max: 500", "max: 450"), POLICY); // a Knative bucket, not an Istio one
        PolicyException e = assertThrows(PolicyException.class,
                () -> new PolicyLoader(checks).parse(yaml.replace("max: 500", "max: 550"), POLICY));
        assertTrue(e.getMessage().contains("max 550 is not a bucket bound of Knative's request-latency histogram, so no bucket "
                + "counts the requests above it; use 500 or 600"), e.getMessage());
    }

    @Test
    void aKnativePresetOnAVirtualServiceIsRefusedWhereItIsWritten() throws Exception {
        String yaml = Files.readString(POLICY).replace(
                "    kserve:\n      inferenceService: fraud-classifier",
                "    istio: {virtualService: fraud-classifier, baseline: {subset: xgb}, canary: {subset: rf}}\n     ");
        PolicyException e = assertThrows(PolicyException.class, () -> new PolicyLoader(checks).parse(yaml, POLICY));
        assertTrue(e.getMessage().contains("spec.checks[0].preset: preset knative-error-rate reads "
                + "metrics that do not measure VirtualService/fraud-classifier; use istio-error-rate"), e.getMessage());
    }

    private static PrometheusSource source(List<String> asked, List<PrometheusClient.Sample> answer) {
        PrometheusClient prometheus = new PrometheusClient(new TestPrometheusConfig("http://unused:9090")) {
            @Override
            public List<Sample> query(String promql) {
                asked.add(promql);
                return answer;
            }
        };
        return new PrometheusSource(prometheus, new TestPrometheusConfig("x"), new CheckTypes());
    }
}
