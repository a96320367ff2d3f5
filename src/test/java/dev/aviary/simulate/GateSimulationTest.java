package dev.aviary.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.checks.CheckTypes;
import dev.aviary.policy.Policy;
import dev.aviary.policy.Step;
import dev.aviary.rollout.Decider;
import dev.aviary.rollout.Decision;
import dev.aviary.rollout.Phase;
import dev.aviary.rollout.Transition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A gated policy in the simulator: every pause is approved at once, so its figures are those of the same policy ungated. */
class GateSimulationTest {

    static final Policy POLICY = DefaultPolicy.imageClassifier(); // mirror 100, 30%, 50%, 100%
    static final CheckTypes CHECKS = new CheckTypes();

    /** The policy with a pause step before each of its weight steps but the promotion. */
    static Policy gated(Policy p) {
        List<Step> steps = new ArrayList<>();
        for (Step s : p.steps()) {
            if (s.kind() == Step.Kind.WEIGHT && !s.isPromotion()) steps.add(Step.gate(null));
            steps.add(s);
        }
        return new Policy(p.name(), p.namespace(), p.target(), p.interval(), steps, p.maxStepDuration(), p.onTimeout(), p.noData(),
                p.checks(), p.alpha(), p.minRequests(), p.notifications(), p.source(), p.hash());
    }

    @Test
    void theSimulatedRolloutApprovesAWaitingGateAtItsNextTick() {
        List<Step> steps = new ArrayList<>(List.of(Step.gate(null)));
        steps.addAll(POLICY.steps());
        Policy p = new Policy(POLICY.name(), POLICY.namespace(), POLICY.target(), POLICY.interval(), steps, POLICY.maxStepDuration(),
                POLICY.onTimeout(), POLICY.noData(), POLICY.checks(), POLICY.alpha(), POLICY.minRequests(), List.of(), null, "h");
        SimulatedRollout rollout = new SimulatedRollout(p, new Decider(CHECKS::judge, CHECKS.sampleRatioGuard()), SimulatedMetrics.ARMS);
        SimulatedMetrics metrics = new SimulatedMetrics(new SimulatedMetrics.StepTotals(), CHECKS);
        Transition started = rollout.tick(metrics, Instant.EPOCH);
        assertEquals(Phase.AwaitingApproval, started.phase(), started.message());
        Transition t = rollout.tick(metrics, Instant.EPOCH.plusSeconds(10));
        assertEquals(Decision.APPROVE, t.decision(), t.message());
        assertTrue(t.message().startsWith("approved by simulation at step 1: step 2 (mirror 100%)"), t.message());
        assertEquals(1, rollout.status().step());
    }

    @Test
    void aGatedPolicySimulatesExactlyAsItsUngatedTwin() {
        List<Scenario> scenarios = List.of(Scenario.named("errors-1to5-20rps"));
        Policy gated = gated(POLICY);
        assertEquals(List.of(), PlanStep.from(gated, 0.1).stream().filter(s -> s.describe().startsWith("pause")).toList());
        List<Row> plain = new Simulation(POLICY, List.of(new AviaryContender(POLICY, CHECKS)), 40, 3).run(scenarios);
        List<Row> withGates = new Simulation(gated, List.of(new AviaryContender(gated, CHECKS)), 40, 3).run(scenarios);
        assertEquals(plain, withGates);
        assertTrue(withGates.get(0).power() > 0.9, "the bad canary is still caught: " + withGates.get(0));
    }
}
