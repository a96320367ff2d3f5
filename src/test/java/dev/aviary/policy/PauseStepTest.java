package dev.aviary.policy;

import static dev.aviary.policy.PolicyTestSupport.FILE;
import static dev.aviary.policy.PolicyTestSupport.assertAt;
import static dev.aviary.policy.PolicyTestSupport.problems;
import static dev.aviary.policy.PolicyTestSupport.render;
import static dev.aviary.policy.PolicyTestSupport.replace;
import static dev.aviary.policy.PolicyTestSupport.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The manual gate in a policy file: {@code - pause: {}} and {@code - pause: {duration: 30m}}, and the mistakes around them. */
class PauseStepTest {

    static final String MINIMAL = PolicyLoaderTest.MINIMAL; // steps at line 12: - weight: 50, - weight: 100
    static final String AFTER_50 = "    - weight: 50\n";

    final PolicyLoader loader = new PolicyLoader();

    static String gated(String pauseLines) {
        return replace(MINIMAL, AFTER_50, AFTER_50 + pauseLines);
    }

    @Test
    void aPauseWaitsForApprovalHoldingTheStepBefore() throws Exception {
        Policy p = loader.parse(gated("    - pause: {}\n"), FILE);
        Step gate = p.steps().get(1);
        assertEquals(Step.Kind.PAUSE, gate.kind());
        assertNull(gate.pause().duration(), "{} waits however long it takes");
        assertEquals("pause, waits for approval", gate.describe());
        assertSame(p.steps().get(0), p.servedStep(1), "the gate holds the weights of the step before it");
        assertEquals(0, gate.canaryWeight(), "a gate has no weight of its own");
    }

    @Test
    void aTimedPauseContinuesByItself() throws Exception {
        Policy p = loader.parse(gated("    - pause: {duration: 30m}\n"), FILE);
        assertEquals(Duration.ofMinutes(30), p.steps().get(1).pause().duration());
        assertEquals("pause 30m or until approved", p.steps().get(1).describe());
    }

    @Test
    void aPauseFirstWaitsBeforeAnyTrafficMoves() throws Exception {
        Policy p = loader.parse(replace(MINIMAL, AFTER_50, "    - pause: {}\n" + AFTER_50), FILE);
        assertNull(p.servedStep(0), "nothing is served before the first traffic step");
        assertEquals(50, p.servedStep(1).canaryWeight());
    }

    @Test
    void aPauseIsExclusiveWithTheTrafficActions() {
        single(gated("    - weight: 70\n      pause: {}\n"), 14, 7, "spec.steps[1]",
                "a step does one thing, but this one has weight and pause", "split it");
        single(gated("    - pause: {}\n      mirror: 10\n"), 13, 7, "spec.steps[1]", "has mirror and pause");
    }

    @Test
    void anUnknownFieldInsideAPauseGetsADidYouMean() {
        Problem p = single(gated("    - pause: {durtion: 30m}\n"), 13, 15, "spec.steps[1].pause.durtion",
                "unknown field \"durtion\"; did you mean \"duration\"?");
        assertEquals("policies/p.yaml:13:15: spec.steps[1].pause.durtion: unknown field \"durtion\"; did you mean \"duration\"?",
                p.toString());
    }

    @Test
    void aPauseThatIsNotAMappingIsOneLineAtItsPlace() {
        Problem p = single(gated("    - pause: 30m\n"), 13, 14, "spec.steps[1].pause", "pause takes a mapping", "pause: {}",
                "pause: {duration: 30m}");
        assertEquals(1, p.toString().lines().count(), p.toString());
        single(gated("    - pause:\n"), 13, 13, "spec.steps[1].pause", "pause takes a mapping"); // where its value belongs
        single(gated("    - pause: [30m]\n"), 13, 14, "spec.steps[1].pause", "pause takes a mapping");
    }

    @Test
    void aPauseHasNoMinDurationAndAPositiveDuration() {
        single(gated("    - pause: {}\n      minDuration: 5m\n"), 14, 7, "spec.steps[1].minDuration",
                "a pause step has no minDuration", "pause: {duration: 30m}");
        single(gated("    - pause: {duration: 0s}\n"), 13, 25, "spec.steps[1].pause.duration", "duration must be above 0");
        single(gated("    - pause: {duration: soon}\n"), 13, 25, "spec.steps[1].pause.duration", "is not a duration");
    }

    @Test
    void aPauseCannotEndTheStepsNorLetThemPromoteUnjudged() {
        single(replace(MINIMAL, "    - weight: 100\n", "    - pause: {}\n"), 13, 7, "spec.steps[1]",
                "the last step is pause, waits for approval, so the canary would never be promoted");
        single(replace(MINIMAL, AFTER_50, "    - pause: {}\n"), 13, 15, "spec.steps[1].weight",
                "the first traffic step is weight 100", "as soon as the pause before it is approved");
    }

    /** The commented gate in the shipped example is what users copy: uncommented, it must validate and gate at 30%. */
    @Test
    void theExamplesCommentedGateWorksUncommented() throws Exception {
        String example = java.nio.file.Files.readString(ExamplePolicyTest.EXAMPLE);
        Policy p = loader.parse(replace(example, "    # - pause: {}\n", "    - pause: {}\n"), ExamplePolicyTest.EXAMPLE);
        assertEquals(Step.Kind.PAUSE, p.steps().get(2).kind());
        assertEquals(30, p.servedStep(2).canaryWeight());
        assertEquals(new PolicyLoader().load(ExamplePolicyTest.EXAMPLE).steps().size() + 1, p.steps().size());
    }

    @Test
    void weightsMustStillIncreaseAcrossAPause() {
        List<Problem> ps = problems(gated("    - pause: {}\n    - weight: 40\n"));
        assertEquals(1, ps.size(), () -> render(ps));
        assertAt(ps.get(0), 14, 15, "spec.steps[2].weight", "weight 40 is not above the previous step's 50");
        assertTrue(ps.get(0).toString().startsWith("policies/p.yaml:14:15: "), ps.get(0).toString());
    }
}
