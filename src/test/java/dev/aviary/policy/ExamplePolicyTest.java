package dev.aviary.policy;

import dev.aviary.checks.Comparison;
import dev.aviary.checks.Threshold;
import dev.aviary.checks.istio.IstioPresets;
import dev.aviary.checks.knative.KnativePresets;

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
        IstioTarget istio = assertInstanceOf(IstioTarget.class, p.target());
        assertEquals("image-classifier", istio.virtualService());
        assertNull(istio.route(), "the tutorial's route has no name: it is found as the one holding both subsets");
        assertEquals("resnet50", istio.baseline().subset());
        assertEquals("resnet101", istio.canary().subset());

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

    static final Path KSERVE = Path.of("policies/fraud-detection.yaml");

    @Test
    void shippedKServePolicyIsTheTutorialsRollout() throws Exception {
        Policy p = new PolicyLoader().load(KSERVE);

        assertEquals("kserve-deployments/fraud-classifier", p.key());
        assertEquals(new KServeTarget("fraud-classifier", KServeTarget.PREDICTOR), p.target());
        assertEquals(List.of(20, 50, 100), p.steps().stream().map(Step::weight).toList());
        assertTrue(p.steps().get(2).isPromotion());

        assertEquals(3, p.checks().size());
        Comparison.Spec errors = assertInstanceOf(Comparison.Spec.class, p.checks().get(0));
        assertEquals(KnativePresets.ERROR_RATE, errors.preset());
        Comparison.Spec latency = assertInstanceOf(Comparison.Spec.class, p.checks().get(1));
        assertEquals(KnativePresets.SLOW_REQUESTS, latency.preset());
        assertEquals(Duration.ofMillis(250), latency.slowerThan());
        Threshold.Spec p99 = assertInstanceOf(Threshold.Spec.class, p.checks().get(2));
        assertEquals(KnativePresets.LATENCY_P99, p99.preset());
        assertEquals(500.0, p99.max());
        assertEquals(KSERVE, p.source());
    }
}
