package dev.aviary.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.aviary.policy.Policy;
import dev.aviary.policy.PolicyLoader;
import dev.aviary.policy.Step;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The sandbox runs a gated policy faster than real time: a pause keeps no minDuration, and a timed one's duration is compressed. */
class GatedTimeScaleTest {

    static final String GATED = """
            apiVersion: aviary.dev/v1
            kind: CanaryPolicy
            metadata: {name: fraud, namespace: default}
            spec:
              target:
                istio:
                  virtualService: fraud
                  baseline: {subset: v1}
                  canary: {subset: v2}
              interval: 30s
              steps:
                - weight: 20
                  minDuration: 5m
                - pause: {}
                - weight: 50
                  minDuration: 5m
                - pause: {duration: 30m}
                - weight: 100
              checks:
                - {name: errors, preset: istio-error-rate, tolerance: 10%}
            """;

    @Test
    void aCompressedGatedPolicyStillValidatesWithItsPausesScaled() throws Exception {
        Path file = Path.of("policies/fraud.yaml");
        Policy p = new PolicyLoader().parse(GATED, file);
        TimeScale fast = TimeScale.fitting(java.util.List.of(p));
        assertEquals(15, fast.factor());
        String rewritten = fast.rewrite(GATED, p);
        assertFalse(rewritten.lines().anyMatch(l -> l.contains("pause") && l.contains("minDuration")), rewritten);
        Policy compressed = new PolicyLoader().parse(rewritten, file);
        Step gate = compressed.steps().get(1);
        assertNull(gate.pause().duration(), "waiting for approval is not time to compress");
        assertEquals(Duration.ofMinutes(2), compressed.steps().get(3).pause().duration(), "30m / 15");
        assertEquals(Duration.ofSeconds(20), compressed.steps().get(0).minDuration());
    }
}
