package dev.aviary.checks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.analysis.AnytimeCountJudge;
import dev.aviary.analysis.MannWhitneyJudge;
import dev.aviary.analysis.QuantileSloJudge;
import dev.aviary.analysis.SampleRatioGuard;
import dev.aviary.policy.CheckSpec;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class JudgeFactoryTest {

    @Test
    void factoryMapsEveryCheckType() {
        JudgeFactory factory = new JudgeFactory();
        CheckSpec errors = new CheckSpec("errors", CheckSpec.Type.COMPARISON, CheckSpec.Preset.ISTIO_ERROR_RATE, null, null, 0.1, null, null, null, 0, null);
        CheckSpec slow = new CheckSpec("latency", CheckSpec.Type.COMPARISON, CheckSpec.Preset.ISTIO_SLOW_REQUESTS, null, null, 0.2, Duration.ofMillis(250), null, null, 0, null);
        CheckSpec threshold = new CheckSpec("p99", CheckSpec.Type.THRESHOLD, CheckSpec.Preset.ISTIO_LATENCY_P99, null, null, 0, null, null, 500.0, 100, "canary");
        CheckSpec mw = new CheckSpec("mw", CheckSpec.Type.MANN_WHITNEY, null, "q", null, 0, null, null, null, 0, null);
        assertEquals(0.1, ((AnytimeCountJudge) factory.create(errors)).tolerance(), 1e-12);
        assertEquals(AnytimeCountJudge.PassRule.HARM_EVIDENCE_BELOW_HALFWAY, ((AnytimeCountJudge) factory.create(errors)).passRule());
        assertTrue(factory.create(slow) instanceof AnytimeCountJudge);
        assertEquals("share of requests slower than 250 ms", JudgeFactory.describe(slow));
        assertTrue(factory.create(threshold) instanceof QuantileSloJudge);
        assertTrue(factory.create(mw) instanceof MannWhitneyJudge);
        assertTrue(factory.sampleRatioGuard() instanceof SampleRatioGuard);
    }
}
