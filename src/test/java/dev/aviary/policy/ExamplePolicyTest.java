package dev.aviary.policy;

import dev.aviary.checks.Comparison;
import dev.aviary.checks.Threshold;
import dev.aviary.checks.istio.IstioPresets;
import dev.aviary.checks.knative.KnativePresets;
import dev.aviary.checks.shadow.ShadowAgreement;
import dev.aviary.shadow.CompareSpec;
import dev.aviary.shadow.ProtocolSpec;
import dev.aviary.shadow.ReplaySpec;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExamplePolicyTest {

    static final Path EXAMPLE = Path.of("policies/image-classifier.yaml");

    @Test
    void shippedExampleParsesIntoTheResnetScenario() throws Exception {
        Policy p = new PolicyLoader().load(EXAMPLE);

        assertEquals("default/image-classifier", p.key());
        assertTheTutorialsTarget(p);

        assertEquals(4, p.steps().size());
        Step mirror = p.steps().get(0);
        assertEquals(Step.Kind.MIRROR, mirror.kind(), "the canary is judged on a copy of all traffic before any user sees it");
        assertEquals(100, mirror.mirror());
        assertEquals(0, mirror.canaryWeight());
        assertEquals(Duration.ofMinutes(5), mirror.minDuration());
        assertEquals(List.of(30, 50, 100), p.steps().stream().skip(1).map(Step::weight).toList());
        assertEquals(Duration.ofMinutes(10), p.steps().get(1).minDuration());
        assertEquals(Duration.ofSeconds(10), p.steps().get(3).minDuration(), "minDuration defaults to the interval");
        assertTrue(p.steps().get(3).isPromotion());

        assertEquals(3, p.checks().size());
        Comparison.Spec errors = assertInstanceOf(Comparison.Spec.class, p.checks().get(0));
        assertEquals(IstioPresets.ERROR_RATE, errors.preset());
        assertEquals(0.10, errors.tolerance(), 1e-12);
        Comparison.Spec latency = assertInstanceOf(Comparison.Spec.class, p.checks().get(1));
        assertEquals(IstioPresets.SLOW_REQUESTS, latency.preset());
        assertEquals(Duration.ofMillis(250), latency.slowerThan());
        assertEquals(0.20, latency.tolerance(), 1e-12);
        Threshold.Spec p99 = assertInstanceOf(Threshold.Spec.class, p.checks().get(2));
        assertEquals(IstioPresets.LATENCY_P99, p99.preset());
        assertEquals(500.0, p99.max());
        assertNull(p99.min());
        assertEquals("canary", p99.arm());
        assertEquals(500, p99.minSamples());

        assertEquals(0.01, p.alpha());
        assertEquals(500, p.minRequests());
        assertEquals(Duration.ofSeconds(10), p.interval());
        assertEquals(Duration.ofHours(1), p.maxStepDuration());
        assertEquals(Policy.TimeoutAction.ROLLBACK, p.onTimeout());
        assertEquals(new Policy.NoDataRule(Duration.ofMinutes(5), Policy.TimeoutAction.PAUSE), p.noData());
        assertEquals(EXAMPLE, p.source());
        assertEquals(PolicyLoader.sha256(Files.readAllBytes(EXAMPLE)), p.hash());
        assertEquals(64, p.hash().length());
    }

    /** The TF Serving tutorial's VirtualService and subsets. */
    static void assertTheTutorialsTarget(Policy p) {
        IstioTarget istio = assertInstanceOf(IstioTarget.class, p.target());
        assertEquals("image-classifier", istio.virtualService());
        assertNull(istio.route(), "the tutorial's route has no name: it is found as the one holding both subsets");
        assertEquals("resnet50", istio.baseline().subset());
        assertEquals("resnet101", istio.canary().subset());
    }

    static final Path KSERVE = Path.of("policies/fraud-detection.yaml");

    @Test
    void shippedKServePolicyIsTheTutorialsRollout() throws Exception {
        Policy p = new PolicyLoader().load(KSERVE);

        assertEquals("kserve-deployments/fraud-classifier", p.key());
        assertEquals(new KServeTarget("fraud-classifier", KServeTarget.PREDICTOR), p.target());
        assertEquals(List.of(20, 50, 100), p.steps().stream().map(Step::weight).toList());
        assertTrue(p.steps().get(2).isPromotion());

        assertEquals(4, p.checks().size());
        Comparison.Spec errors = assertInstanceOf(Comparison.Spec.class, p.checks().get(0));
        assertEquals(KnativePresets.ERROR_RATE, errors.preset());
        Comparison.Spec latency = assertInstanceOf(Comparison.Spec.class, p.checks().get(1));
        assertEquals(KnativePresets.SLOW_REQUESTS, latency.preset());
        assertEquals(Duration.ofMillis(250), latency.slowerThan());
        Threshold.Spec p99 = assertInstanceOf(Threshold.Spec.class, p.checks().get(2));
        assertEquals(KnativePresets.LATENCY_P99, p99.preset());
        assertEquals(500.0, p99.max());
        assertEquals(KSERVE, p.source());

        // issue 9's example: the replay agreement check, V2 against the predictor, the arms derived from the isvc
        ShadowAgreement.Spec agreement = assertInstanceOf(ShadowAgreement.Spec.class, p.checks().get(3));
        assertEquals(0.95, agreement.minAgreement(), 1e-12);
        assertEquals(200, agreement.minPairs());
        ReplaySpec replay = agreement.source().replay();
        assertEquals(Path.of("policies/fraud-transactions.jsonl").toAbsolutePath().toString(), replay.payloads(),
                "the payload file next to the policy, checked when the policy is read");
        assertEquals(new ProtocolSpec("v2", "fraud-classifier", null, null, "predict_proba", List.of("legit", "fraud")), replay.protocol());
        assertEquals(CompareSpec.TOP1, replay.compare());
        assertNull(replay.endpoints(), "derived from the InferenceService (docs/shadow-endpoints.md)");
        assertEquals(5, replay.rate());
        assertEquals(ReplaySpec.DEFAULT_CONCURRENCY, replay.concurrency());
        assertEquals(Duration.ofSeconds(5), replay.timeout());
    }

    static final Path SHADOW = Path.of("policies/variants/image-classifier-shadow.yaml");

    @Test
    void shippedShadowPolicyMirrorsFirstAndReplaysThroughTheArmPins() throws Exception {
        Policy p = new PolicyLoader().load(SHADOW);

        assertEquals("default/image-classifier-shadow", p.key());
        assertTheTutorialsTarget(p);
        assertEquals(List.of(Step.Kind.MIRROR, Step.Kind.WEIGHT, Step.Kind.WEIGHT, Step.Kind.WEIGHT),
                p.steps().stream().map(Step::kind).toList());
        assertEquals(50, p.steps().get(0).mirror());
        assertEquals(List.of(30, 50, 100), p.steps().stream().skip(1).map(Step::weight).toList());

        assertEquals(3, p.checks().size());
        ShadowAgreement.Spec agreement = assertInstanceOf(ShadowAgreement.Spec.class, p.checks().get(2));
        assertEquals(0.90, agreement.minAgreement(), 1e-12);
        ReplaySpec replay = agreement.source().replay();
        assertEquals("configmap/resnet-golden", replay.payloads());
        assertEquals(new ProtocolSpec("tfserving", "resnet", null, null, null, List.of()), replay.protocol());
        assertEquals(new CompareSpec("topk", 5, 0.6, 0), replay.compare());
        assertNull(replay.endpoints());
        assertTrue(agreement.reachesArmsDirectly(), "no endpoints named: the rollout keeps the Istio arm pins");
        assertEquals(Duration.ofSeconds(10), replay.timeout());
        assertEquals(2, replay.concurrency());
    }
}
