package dev.aviary.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.analysis.ArmCounts;
import dev.aviary.analysis.Observation;
import dev.aviary.rollout.RolloutEvent;
import dev.aviary.policy.Policy;
import dev.aviary.policy.Step;
import dev.aviary.policy.KServeTarget;
import dev.aviary.traffic.TrafficSplit;
import dev.aviary.traffic.istio.IstioRouter;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The rollout state machine against the mock API server (CRUD mode) and the real Istio router, with scripted
 * measurements standing in for Prometheus (the end-to-end test uses the real one) and a clock the test moves.
 */
@EnableKubernetesMockClient(crud = true)
class RolloutControllerTest extends RolloutFixture {

    @Test
    void walksEveryStepOnPassingChecksAndPromotes() {
        RolloutController c = controller(new IstioRouter(client));
        assertEquals(Decision.START, c.tick(policy).decision());
        assertNotNull(managedHeaderRoute(), "step 1 routes the canary group by header");

        metrics.healthy();
        assertEquals(Decision.HOLD, c.tick(policy).decision(), "minDuration not reached");
        clock.advance(Duration.ofMinutes(1));
        assertEquals(Decision.ADVANCE, c.tick(policy).decision());
        assertEquals(30, canaryWeight());
        assertNull(managedHeaderRoute(), "the header route goes when the weighted steps begin");
        clock.advance(Duration.ofMinutes(1));
        assertEquals(Decision.PROMOTE, c.tick(policy).decision());
        assertEquals(100, canaryWeight());
        assertEquals(Phase.Promoted, rollout().getStatus().phase());
        assertEquals(Decision.HOLD, c.tick(policy).decision(), "a promoted rollout stays put");
        assertEquals(List.of(Decision.START, Decision.ADVANCE, Decision.PROMOTE),
                events.stream().map(RolloutEvent::decision).filter(d -> d != Decision.HOLD).toList());
    }

    @Test
    void aFailingCheckRollsBackAtOnce() {
        RolloutController c = atWeight30();
        assertEquals(30, canaryWeight());
        metrics.errors = new Observation.Counts(new ArmCounts(7000, 70), new ArmCounts(3000, 150));
        RolloutController.TickResult r = c.tick(policy);
        assertEquals(Decision.ROLLBACK, r.decision(), r.message());
        assertEquals(0, canaryWeight());
        assertEquals(Phase.RolledBack, rollout().getStatus().phase());
        assertTrue(r.message().startsWith("errors:"), r.message());
    }

    @Test
    void missingDataHoldsAndPausesAfterTheTolerance() {
        RolloutController c = controller(new IstioRouter(client));
        c.tick(policy);
        metrics.errors = new Observation.Missing("Prometheus at http://prometheus:9090 did not answer");
        metrics.requests = metrics.errors;
        clock.advance(Duration.ofMinutes(3));
        assertEquals(Decision.HOLD, c.tick(policy).decision(), "no data is never a pass, even past minDuration");
        clock.advance(Duration.ofMinutes(6));
        RolloutController.TickResult r = c.tick(policy);
        assertEquals(Decision.PAUSE, r.decision());
        assertTrue(r.message().contains("no data for"), r.message());
        assertNotNull(managedHeaderRoute(), "a pause leaves the weights where they are");
    }

    @Test
    void aSampleRatioMismatchPausesInsteadOfJudging() {
        RolloutController c = atWeight30();
        assertEquals(30, canaryWeight());
        // at 70/30 the canary serves only 5% of requests: the routing is not what the policy says
        metrics.requests = new Observation.Counts(new ArmCounts(9500, 0), new ArmCounts(500, 0));
        // not in the step's first interval, while the mesh may still route by the old weights
        assertEquals(Decision.HOLD, c.tick(policy).decision());
        clock.advance(policy.interval().plusSeconds(1));
        RolloutController.TickResult r = c.tick(policy);
        assertEquals(Decision.PAUSE, r.decision());
        assertTrue(r.message().contains("routing does not match the policy"), r.message());
    }

    @Test
    void anInconclusiveStepTimesOutAsThePolicySays() {
        // enough requests, but evidence of harm over halfway to a rollback: inconclusive for the whole step
        RolloutController.TickResult r = pastMaxStepDurationWith(new Observation.Counts(new ArmCounts(70000, 700), new ArmCounts(30000, 1000)));
        assertEquals(Decision.ROLLBACK, r.decision(), r.message());
        assertTrue(r.message().contains("maxStepDuration"), r.message());
    }

    @Test
    void aStepShortOfDataPausesAtMaxStepDurationInsteadOfRollingBack() {
        // too few requests for any verdict, and too few coming to reach minRequests in time
        RolloutController.TickResult r = pastMaxStepDurationWith(new Observation.Counts(new ArmCounts(10, 0), new ArmCounts(10, 0)));
        assertEquals(Decision.PAUSE, r.decision(), r.message());
        assertTrue(r.message().startsWith("step 1 is short of data after 3m (maxStepDuration 2m): 10 of the 500 requests per arm"), r.message());
        assertTrue(r.message().contains("resume with: kubectl annotate canaryrollout"), r.message());
        assertEquals("Paused", rollout().getStatus().phase().name());
        assertEquals(routed, http(vs()), "a pause leaves the step's routing in place");
    }

    private List<Map<String, Object>> routed;

    /** Starts the rollout (step 1's routing is recorded in {@link #routed}), then ticks 3m later on {@code observed}. */
    private RolloutController.TickResult pastMaxStepDurationWith(Observation observed) {
        RolloutController c = controller(new IstioRouter(client));
        c.tick(policy);
        routed = http(vs());
        metrics.errors = observed;
        metrics.requests = observed;
        clock.advance(Duration.ofMinutes(3));
        return c.tick(policy);
    }

    @Test
    void aMoveFinishedByALaterTickIsOneDecisionInTheHistory() {
        startedWithStepDue();
        assertThrows(Killed.class, () -> controller(new Dying(new IstioRouter(client), false)).tick(policy));
        controller(new IstioRouter(client)).tick(policy);
        assertEquals(30, canaryWeight());
        // the chaos run saw [2, 2, 3]: a patch refused once, finished by the next tick, read as step 2 advanced twice
        List<HistoryEntry> advances = rollout().getStatus().history().stream().filter(h -> h.decision() == Decision.ADVANCE).toList();
        assertEquals(1, advances.size(), "one move, one entry: " + advances);
    }

    @Test
    void aCrashBetweenIntentAndPatchIsFinishedByTheNextProcess() {
        startedWithStepDue();
        // the process dies after recording the intent, before the patch
        RolloutController dying = controller(new Dying(new IstioRouter(client), false));
        assertThrows(Killed.class, () -> dying.tick(policy));
        assertEquals(30, rollout().getStatus().intended().canary(), "the intent was recorded first");
        assertEquals(0, canaryWeight(), "the target was not patched");

        RolloutController.TickResult r = controller(new IstioRouter(client)).tick(policy);
        assertEquals(30, canaryWeight(), "the interrupted move is finished: " + r);
        CanaryRollout cr = rollout();
        assertNull(cr.getStatus().intended());
        assertEquals(30, cr.getStatus().applied().canary());
        assertEquals(1, cr.getStatus().step());
    }

    @Test
    void aCrashBetweenPatchAndRecordIsConfirmedWithoutASecondWrite() {
        startedWithStepDue();
        RolloutController dying = controller(new Dying(new IstioRouter(client), true));
        assertThrows(Killed.class, () -> dying.tick(policy));
        assertEquals(30, canaryWeight(), "the patch landed");
        String version = vs().getMetadata().getResourceVersion();

        RolloutController.TickResult r = controller(new IstioRouter(client)).tick(policy);
        assertEquals(Decision.HOLD, r.decision(), "the new process confirms and judges the same step: " + r);
        assertEquals(1, r.step());
        assertEquals(version, vs().getMetadata().getResourceVersion(), "no second write to the target");
        assertEquals(30, rollout().getStatus().applied().canary());
        assertNull(rollout().getStatus().intended());
    }

    @Test
    void aPersonsWeightsPauseTheRolloutAndAreNotFought() {
        RolloutController c = atWeight30();
        setCanaryWeightByHand(60);
        RolloutController.TickResult r = c.tick(policy);
        assertEquals(Decision.PAUSE, r.decision());
        assertTrue(r.message().contains("changed by someone else"), r.message());
        clock.advance(Duration.ofMinutes(5));
        c.tick(policy);
        assertEquals(60, canaryWeight(), "still the person's weights");
        assertTrue(events.stream().anyMatch(e -> e.decision() == Decision.PAUSE));
    }

    @Test
    void requestsOnTheCanaryRolloutAreActedOnOnce() {
        RolloutController c = controller(new IstioRouter(client));
        c.tick(policy);
        request("abort");
        RolloutController.TickResult r = c.tick(policy);
        assertEquals(Decision.ROLLBACK, r.decision());
        assertNull(managedHeaderRoute());
        assertNull(rollout().getMetadata().getAnnotations().get(CanaryRollout.REQUEST_ANNOTATION));
        request("restart");
        assertEquals(Decision.START, c.tick(policy).decision());
        assertEquals(Decision.HOLD, c.tick(policy).decision(), "a consumed request is not repeated");
    }

    @Test
    void aMirrorStepShadowsTrafficAndChecksTheMirroredShare() {
        policy = withSteps(new Step(null, null, 20, Duration.ofMinutes(1)), new Step(100, null, null, Duration.ZERO));
        RolloutController c = controller(new IstioRouter(client));
        assertEquals(Decision.START, c.tick(policy).decision());
        Map<String, Object> primary = http(vs()).stream().filter(r -> "primary".equals(r.get("name"))).findFirst().orElseThrow();
        assertEquals("resnet101", ((Map<?, ?>) primary.get("mirror")).get("subset"));
        assertEquals(20, ((Number) ((Map<?, ?>) primary.get("mirrorPercentage")).get("value")).intValue());
        assertEquals(0, canaryWeight(), "mirrored responses are discarded: the canary serves no one");
        // copies of 20% of the traffic reach the canary: it sees 20/120 of all requests, not 20%
        metrics.errors = new Observation.Counts(new ArmCounts(10_000, 100), new ArmCounts(2_000, 20));
        metrics.requests = new Observation.Counts(new ArmCounts(10_000, 0), new ArmCounts(500, 0));
        clock.advance(policy.interval().plusSeconds(1));
        RolloutController.TickResult r = c.tick(policy);
        assertEquals(Decision.PAUSE, r.decision(), "a mirror that reaches 5% instead of 20% is a routing problem: " + r.message());
        request("resume");
        c.tick(policy);
        metrics.requests = null;
        clock.advance(Duration.ofMinutes(1));
        assertEquals(Decision.PROMOTE, c.tick(policy).decision());
        Map<String, Object> after = http(vs()).stream().filter(x -> "primary".equals(x.get("name"))).findFirst().orElseThrow();
        assertNull(after.get("mirror"), "the mirror goes when the rollout ends");
        assertEquals(100, canaryWeight());
    }

    @Test
    void aTargetNoRouterSupportsHoldsAndSaysSo() {
        Policy kserve = new Policy("fraud", "default", new KServeTarget("fraud"), policy.interval(),
                List.of(new Step(50, null, null, Duration.ofMinutes(1)), new Step(100, null, null, Duration.ZERO)), policy.maxStepDuration(),
                policy.onTimeout(), policy.noData(), policy.checks(), policy.alpha(), policy.minRequests(), List.of(), null, "h");
        RolloutController.TickResult r = controller(new IstioRouter(client)).tick(kserve);
        assertEquals(Decision.HOLD, r.decision());
        assertTrue(r.message().contains("no traffic router for InferenceService/fraud"), r.message());
        assertEquals(r.message(), client.resources(CanaryRollout.class).inNamespace("default").withName("fraud").get().getStatus().message());
    }

    @Test
    void aNewCanaryStartsANewRollout() {
        RolloutController c = atWeight30();
        assertEquals(30, canaryWeight());
        client.apps().deployments().inNamespace("default").withName("image-classifier-resnet101")
                .edit(d -> { d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("tensorflow/serving:2.15.0"); return d; });
        RolloutController.TickResult r = c.tick(policy);
        assertEquals(Decision.START, r.decision(), r.message());
        assertEquals(0, canaryWeight(), "back to the first step for the new canary");
        assertNotNull(managedHeaderRoute());
    }


    // --- orders, crashes and races (from a second read of the controller) ---------------------------------

    @Test
    void anAbortWinsOverFinishingAnInterruptedAdvance() {
        startedWithStepDue();
        RolloutController dying = controller(new Dying(new IstioRouter(client), false));
        assertThrows(Killed.class, () -> dying.tick(policy)); // intent 70/30 recorded, not patched
        request("abort");
        controller(new IstioRouter(client)).tick(policy);
        assertEquals(0, canaryWeight(), "the abort wins; the canary gains no weight");
        assertEquals(Phase.RolledBack, rollout().getStatus().phase());
    }

    @Test
    void anAbortTogetherWithAHandEditIsActedOn() {
        RolloutController c = atWeight30();
        setCanaryWeightByHand(10);
        request("abort");
        c.tick(policy);
        assertEquals(Phase.RolledBack, rollout().getStatus().phase());
        assertEquals(0, canaryWeight());
        assertNull(rollout().getMetadata().getAnnotations().get(CanaryRollout.REQUEST_ANNOTATION));
    }

    @Test
    void aRequestSurvivesATickThatCannotReadTheTarget() {
        RolloutController c = atWeight30();
        request("abort");
        controller(new FailingRead(new IstioRouter(client))).tick(policy);
        assertEquals("abort", rollout().getMetadata().getAnnotations().get(CanaryRollout.REQUEST_ANNOTATION));
        c.tick(policy);
        assertEquals(0, canaryWeight(), "acted on once the target could be read");
    }

    @Test
    void aResumeDoesNotHideAPersonsWeights() {
        RolloutController c = atWeight30();
        clock.advance(Duration.ofMinutes(1));
        setCanaryWeightByHand(5);
        request("resume");
        RolloutController.TickResult r = c.tick(policy);
        assertEquals(Decision.PAUSE, r.decision(), r.message());
        assertEquals(5, canaryWeight(), "never fight a human");
    }

    @Test
    void aPersonsRevertAfterACrashStandsAndPauses() {
        startedWithStepDue();
        assertThrows(Killed.class, () -> controller(new Dying(new IstioRouter(client), true)).tick(policy)); // 30% landed
        setSplitByHand(TrafficSplit.forStep(policy.steps().get(0))); // a person puts the header step back
        RolloutController.TickResult r = controller(new IstioRouter(client)).tick(policy);
        assertEquals(Decision.PAUSE, r.decision(), r.message());
        assertEquals(0, canaryWeight(), "the person's revert stands");
    }

    @Test
    void aConflictOnTheRolloutAfterThePatchStillTellsPeople() {
        RolloutController c = atWeight30();
        metrics.errors = new Observation.Counts(new ArmCounts(7000, 70), new ArmCounts(3000, 150));
        RolloutController racing = controller(new TouchesRolloutOnApply(new IstioRouter(client)));
        assertThrows(RolloutConflict.class, () -> racing.tick(policy));
        assertEquals(0, canaryWeight(), "the rollback landed");
        assertTrue(events.stream().anyMatch(e -> e.decision() == Decision.ROLLBACK), "and people were told");
        c.tick(policy);
        assertNull(rollout().getStatus().intended(), "the next tick records it as applied");
        assertEquals(Phase.RolledBack, rollout().getStatus().phase());
    }

    @Test
    void anUnrelatedWriteToTheTargetDoesNotStopAMove() {
        startedWithStepDue();
        RolloutController.TickResult r = controller(new LabelsTargetBeforeFirstApply(new IstioRouter(client))).tick(policy);
        assertEquals(Decision.ADVANCE, r.decision(), r.message());
        assertEquals(30, canaryWeight(), "re-read after the 409, routing untouched by the other writer: patched again");
        assertEquals("synced", vs().getMetadata().getLabels().get("gitops"), "the other writer's change is kept");
    }

    @Test
    void newCanaryDetectionWorksWhenTheRolloutLeftPendingByARequest() {
        RolloutController c = controller(new IstioRouter(client));
        new RolloutRepository(client).getOrCreate(policy);
        request("pause");
        c.tick(policy);
        request("resume");
        c.tick(policy);
        metrics.healthy();
        clock.advance(Duration.ofMinutes(1));
        c.tick(policy);
        assertEquals(30, canaryWeight());
        client.apps().deployments().inNamespace("default").withName("image-classifier-resnet101")
                .edit(d -> { d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("tensorflow/serving:2.15.0"); return d; });
        assertEquals(Decision.START, c.tick(policy).decision(), "the new build starts over");
    }

    @Test
    void aStepWhoseChecksAllPassAdvancesEvenPastItsMaximumDuration() {
        startedWithStepDue();
        clock.advance(Duration.ofHours(1)); // an outage kept the step going past maxStepDuration
        RolloutController.TickResult r = controller(new IstioRouter(client)).tick(policy);
        assertEquals(Decision.ADVANCE, r.decision(), r.message());
    }
}
