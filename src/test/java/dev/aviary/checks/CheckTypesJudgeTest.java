package dev.aviary.checks;

import dev.aviary.checks.istio.IstioPresets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.analysis.AnytimeCountJudge;
import dev.aviary.analysis.MannWhitneyJudge;
import dev.aviary.analysis.QuantileSloJudge;
import dev.aviary.analysis.SampleRatioGuard;
import dev.aviary.policy.CheckSpec;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CheckTypesJudgeTest {

    @Test
    void factoryMapsEveryCheckType() {
        CheckTypes factory = new CheckTypes();
        CheckSpec errors = new Comparison.Spec("errors", IstioPresets.ERROR_RATE, null, null, 0.1, null);
        CheckSpec slow = new Comparison.Spec("latency", IstioPresets.SLOW_REQUESTS, null, null, 0.2, Duration.ofMillis(250));
        CheckSpec threshold = new Threshold.Spec("p99", IstioPresets.LATENCY_P99, null, null, 500.0, 100, "canary");
        CheckSpec mw = new MannWhitney.Spec("mw", "q");
        assertEquals(0.1, ((AnytimeCountJudge) factory.judge(errors)).tolerance(), 1e-12);
        assertEquals(AnytimeCountJudge.PassRule.HARM_EVIDENCE_BELOW_HALFWAY, ((AnytimeCountJudge) factory.judge(errors)).passRule());
        assertTrue(factory.judge(slow) instanceof AnytimeCountJudge);
        assertEquals("share of requests slower than 250 ms", IstioPresets.SLOW_REQUESTS.describe((Comparison.Spec) slow));
        assertTrue(factory.judge(threshold) instanceof QuantileSloJudge);
        assertTrue(factory.judge(mw) instanceof MannWhitneyJudge);
        assertTrue(factory.sampleRatioGuard() instanceof SampleRatioGuard);
    }
}
