package dev.aviary.simulate;

import dev.aviary.checks.Comparison;
import dev.aviary.checks.Threshold;
import dev.aviary.checks.istio.IstioPresets;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;
import dev.aviary.policy.Step;
import dev.aviary.policy.IstioTarget;
import dev.aviary.policy.Target;
import java.time.Duration;
import java.util.List;

/** policies/image-classifier.yaml built in code, for when no policy file can be read. */
public final class DefaultPolicy {

    private DefaultPolicy() {}

    public static Policy imageClassifier() {
        Target target = new IstioTarget("image-classifier", null,
                new IstioTarget.Arm("resnet50", null, null), new IstioTarget.Arm("resnet101", null, null));
        List<Step> steps = List.of(
                new Step(null, null, 100, Duration.ofMinutes(5)),
                new Step(30, null, null, Duration.ofMinutes(10)),
                new Step(50, null, null, Duration.ofMinutes(10)),
                new Step(100, null, null, Duration.ofSeconds(10)));
        long minRequests = 500;
        List<CheckSpec> checks = List.of(
                new Comparison.Spec("errors", IstioPresets.ERROR_RATE, null, null, 0.10, null),
                new Comparison.Spec("latency", IstioPresets.SLOW_REQUESTS, null, null, 0.20, Duration.ofMillis(250)),
                new Threshold.Spec("p99-slo", IstioPresets.LATENCY_P99, null, null, 500.0, minRequests, "canary"));
        return new Policy("image-classifier", "default", target, Duration.ofSeconds(10), steps, Duration.ofHours(1),
                Policy.TimeoutAction.ROLLBACK, new Policy.NoDataRule(Duration.ofMinutes(5), Policy.TimeoutAction.PAUSE), checks, 0.01,
                minRequests, List.of(), null, null);
    }
}
