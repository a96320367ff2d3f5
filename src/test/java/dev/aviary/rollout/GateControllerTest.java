package dev.aviary.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.analysis.ArmCounts;
import dev.aviary.analysis.Observation;
import dev.aviary.policy.Policy;
import dev.aviary.policy.Step;
import dev.aviary.traffic.istio.IstioRouter;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The manual gate against the mock API server (CRUD mode) and the real Istio router: the rollout waits at a
 * {@code pause: {}} step holding 30%, across a daemon restart, until the CanaryRollout is annotated
 * {@code aviary.dev/request=approve}; then the next step's weights are patched on the VirtualService.
 */
@EnableKubernetesMockClient(crud = true)
class GateControllerTest extends RolloutFixture {

    /** header route, 30%, pause {}, 50%, 100%. */
    Policy gated() {
        return withSteps(policy.steps().get(0), policy.steps().get(1), Step.gate(null),
                new Step(50, null, null, Duration.ofMinutes(1)), new Step(100, null, null, Duration.ZERO));
    }

    /** Started, then through the header step and 30%: the tick that reaches the gate. */
    RolloutController atTheGate(Policy gated) {
        RolloutController c = controller(new IstioRouter(client));
        c.tick(gated);
        metrics.healthy();
        clock.advance(Duration.ofMinutes(1));
        assertEquals(Decision.ADVANCE, c.tick(gated).decision());
        clock.advance(Duration.ofMinutes(1));
        RolloutController.TickResult reached = c.tick(gated);
        assertEquals(Decision.ADVANCE, reached.decision(), reached.message());
        assertEquals(Phase.AwaitingApproval, reached.phase());
        return c;
    }

    void approveAs(String who) {
        client.resources(CanaryRollout.class).inNamespace("default").withName("image-classifier").edit(cr -> {
            cr.getMetadata().setAnnotations(Map.of(CanaryRollout.REQUEST_ANNOTATION, "approve", CanaryRollout.REQUESTED_BY_ANNOTATION, who));
            return cr;
        });
    }

    @Test
    void waitsAtTheGateAcrossARestartAndAnApprovalPatchesTheNextStep() {
        Policy gated = gated();
        RolloutController c = atTheGate(gated);
        assertEquals(30, canaryWeight(), "the gate holds the weights of the step before it");
        assertEquals(Phase.AwaitingApproval, rollout().getStatus().phase(), "kubectl get canaryrollouts shows the wait");
        assertTrue(rollout().getStatus().message().contains("aviary.dev/request=approve"), rollout().getStatus().message());

        clock.advance(Duration.ofMinutes(30)); // far past maxStepDuration (2m): a gate never times out
        assertEquals(Decision.HOLD, c.tick(gated).decision());
        // a restarted daemon: a new controller, only the CanaryRollout to go on
        RolloutController restarted = controller(new IstioRouter(client));
        RolloutController.TickResult still = restarted.tick(gated);
        assertEquals(Phase.AwaitingApproval, still.phase(), still.message());
        assertEquals(30, canaryWeight());

        approveAs("alice");
        RolloutController.TickResult approved = restarted.tick(gated);
        assertEquals(Decision.APPROVE, approved.decision(), approved.message());
        assertEquals(50, canaryWeight(), "step 4's weights are on the VirtualService");
        assertEquals(Phase.Progressing, rollout().getStatus().phase());
        assertEquals(3, rollout().getStatus().step());
        assertTrue(approved.message().startsWith("approved by alice at step 3"), approved.message());
        Map<String, String> annotations = rollout().getMetadata().getAnnotations();
        assertTrue(annotations == null || !annotations.containsKey(CanaryRollout.REQUEST_ANNOTATION), "the request is consumed");

        List<RolloutEvent> told = events.stream().filter(RolloutEvent::noteworthy).toList();
        assertEquals(List.of(Decision.START, Decision.ADVANCE, Decision.ADVANCE, Decision.APPROVE),
                told.stream().map(RolloutEvent::decision).toList(), "one event when the gate is reached, one when approved");
        assertEquals(Phase.AwaitingApproval, told.get(2).phase());
        assertTrue(told.get(2).message().contains("waits for approval"), told.get(2).message());
        assertTrue(told.get(3).message().contains("approved by alice"), told.get(3).message());
    }

    @Test
    void aFailingCheckAtTheGateRollsBackWhateverTheApproval() {
        Policy gated = gated();
        RolloutController c = atTheGate(gated);
        metrics.errors = new Observation.Counts(new ArmCounts(7000, 70), new ArmCounts(3000, 150));
        approveAs("alice");
        RolloutController.TickResult r = c.tick(gated);
        assertEquals(Decision.ROLLBACK, r.decision(), r.message());
        assertEquals(0, canaryWeight());
        assertEquals(Phase.RolledBack, rollout().getStatus().phase());
    }

    @Test
    void anApproveWithNoGateWaitingIsIgnoredAndSaysSo() {
        Policy gated = gated();
        RolloutController c = controller(new IstioRouter(client));
        c.tick(gated);
        metrics.healthy();
        approveAs("alice");
        RolloutController.TickResult r = c.tick(gated);
        assertEquals(Phase.Progressing, r.phase());
        assertEquals(0, r.step(), "an approval never advances a traffic step");
        assertTrue(rollout().getStatus().message().startsWith("approve ignored: nothing waits for approval at step 1"),
                rollout().getStatus().message());
        assertNotNull(managedHeaderRoute(), "step 1's header route stays");
    }
}
