package dev.aviary.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.analysis.Observation;
import dev.aviary.metrics.MetricSource;
import dev.aviary.rollout.RolloutEvent;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;
import dev.aviary.policy.IstioTarget;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.TargetException;
import dev.aviary.traffic.TrafficRouter;
import dev.aviary.traffic.TrafficSplit;
import dev.aviary.traffic.istio.IstioRouter;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a tick does when something it relies on fails in a way it did not expect: it holds, says so once, counts
 * the repeats in the CanaryRollout (so a restart does not start the count over) and pauses at the bound; a move
 * that cannot be finished is tried a bounded number of times; a new canary never inherits an interrupted move;
 * arms that read one metric series pause.
 */
@EnableKubernetesMockClient(crud = true)
class RolloutFailureTest extends RolloutFixture {

    private static final int LIMIT = TickFailures.LIMIT;

    @Test
    void aRouterThatThrowsOnApplyHoldsSaysSoOnceAndPausesAtTheBound() {
        RolloutController c = controller(new Throwing(new IstioRouter(client), true, false));
        String untouched = vs().getMetadata().getResourceVersion();
        for (int i = 1; i < LIMIT; i++) {
            RolloutController.TickResult r = c.tick(policy);
            assertEquals(Decision.HOLD, r.decision(), r.message());
            assertEquals(i, rollout().getStatus().error().count());
        }
        assertEquals(untouched, vs().getMetadata().getResourceVersion(), "nothing moved");
        assertEquals(1, events.size(), "one event for the failure, not one per tick: " + events);
        assertEquals(Decision.HOLD, events.get(0).decision());
        assertTrue(events.get(0).failure() && events.get(0).noteworthy(), "told outside the CanaryRollout, as a warning Event");
        assertTrue(events.get(0).message().startsWith("IndexOutOfBoundsException: Index -1 out of bounds"), events.get(0).message());
        assertTrue(rollout().getStatus().message().contains("IndexOutOfBoundsException"), rollout().getStatus().message());

        RolloutController.TickResult r = c.tick(policy);
        assertEquals(Decision.PAUSE, r.decision(), r.message());
        CanaryRollout cr = rollout();
        assertEquals(Phase.Paused, cr.getStatus().phase());
        assertNull(cr.getStatus().intended(), "the move is given up");
        assertTrue(r.message().contains("IndexOutOfBoundsException") && r.message().contains("aviary.dev/request=resume"), r.message());
        assertEquals(List.of(Decision.HOLD, Decision.PAUSE), decisions());

        for (int i = 0; i < 2 * LIMIT; i++) c.tick(policy);
        assertEquals(2, events.size(), "paused: nothing more to say");
        assertEquals(untouched, vs().getMetadata().getResourceVersion(), "nothing moved, ever");
        assertNull(managedHeaderRoute());
    }

    @Test
    void aResumeAfterTheFixCarriesOnFromTheStepItStoppedAt() {
        RolloutController broken = controller(new Throwing(new IstioRouter(client), true, false));
        for (int i = 0; i < LIMIT; i++) broken.tick(policy);
        assertEquals(Phase.Paused, rollout().getStatus().phase());

        RolloutController fixed = controller(new IstioRouter(client)); // the router's bug fixed, the daemon redeployed
        assertEquals(Decision.HOLD, fixed.tick(policy).decision(), "paused until a person says otherwise");
        assertNull(managedHeaderRoute());
        request("resume");
        RolloutController.TickResult r = fixed.tick(policy);
        assertEquals(Decision.RESUME, r.decision(), r.message());
        assertNotNull(managedHeaderRoute(), "step 1 is applied");
        assertEquals(Phase.Progressing, rollout().getStatus().phase());
        assertNull(rollout().getStatus().error());
    }

    @Test
    void aRouterThatThrowsOnReadHoldsPausesAndThenStopsWriting() {
        atWeight30();
        events.clear();
        RolloutController c = controller(new Throwing(new IstioRouter(client), false, true));
        for (int i = 1; i < LIMIT; i++) assertEquals(Decision.HOLD, c.tick(policy).decision());
        assertEquals(Decision.PAUSE, c.tick(policy).decision());
        String paused = rollout().getMetadata().getResourceVersion();
        for (int i = 0; i < 3; i++) assertEquals(Decision.HOLD, c.tick(policy).decision());
        assertEquals(paused, rollout().getMetadata().getResourceVersion(), "past the bound a paused rollout is not rewritten every tick");
        assertEquals(30, canaryWeight(), "the weights stay where they were");
        assertEquals(List.of(Decision.HOLD, Decision.PAUSE), decisions());
    }

    @Test
    void theCountSurvivesARestart() {
        atWeight30();
        events.clear();
        RolloutController before = controller(new Throwing(new IstioRouter(client), false, true));
        for (int i = 0; i < LIMIT - 2; i++) before.tick(policy);
        assertEquals(LIMIT - 2, rollout().getStatus().error().count());

        // a new process: nothing shared with the old one but the cluster
        RolloutController after = controller(new Throwing(new IstioRouter(client), false, true));
        assertEquals(Decision.HOLD, after.tick(policy).decision());
        assertEquals(Decision.PAUSE, after.tick(policy).decision(), "the count went on where the last process left it");
        assertEquals(List.of(Decision.HOLD, Decision.PAUSE), decisions(), "and the failure was announced once across both");
    }

    @Test
    void theCountStartsOverAfterATickThatWentThrough() {
        atWeight30();
        events.clear();
        Throwing router = new Throwing(new IstioRouter(client), false, true);
        RolloutController c = controller(router);
        for (int i = 0; i < LIMIT - 1; i++) c.tick(policy);
        assertEquals(LIMIT - 1, rollout().getStatus().error().count());

        router.failRead = false;
        assertEquals(Decision.HOLD, c.tick(policy).decision());
        assertNull(rollout().getStatus().error(), "a tick that went through clears the count");

        router.failRead = true;
        for (int i = 0; i < LIMIT - 1; i++) assertEquals(Decision.HOLD, c.tick(policy).decision());
        assertEquals(LIMIT - 1, rollout().getStatus().error().count());
        assertEquals(Phase.Progressing, rollout().getStatus().phase(), "a new streak gets the whole bound");
        assertEquals(2, events.stream().filter(e -> e.message().startsWith("IndexOutOfBoundsException")).count(),
                "each streak is announced once: " + events);
    }

    @Test
    void aMetricSourceThatThrowsHoldsAndPausesEvenWhenItsMessageCarriesACounter() {
        atWeight30();
        events.clear();
        int[] calls = {0};
        MetricSource broken = new MetricSource() {
            @Override
            public Observation observe(Policy p, CheckSpec check, ArmLabels arms, Duration window) {
                throw new IllegalStateException("query " + ++calls[0] + " failed at offset " + 7 * calls[0]);
            }

            @Override
            public Observation requests(Policy p, ArmLabels arms, Duration window) {
                return observe(p, null, arms, window);
            }
        };
        RolloutController c = controller(new IstioRouter(client), broken, judges::judge, events::add);
        for (int i = 1; i < LIMIT; i++) assertEquals(Decision.HOLD, c.tick(policy).decision());
        RolloutController.TickResult r = c.tick(policy);
        assertEquals(Decision.PAUSE, r.decision(), "numbers in a message do not make a failure new: " + r.message());
        assertTrue(r.message().contains("IllegalStateException: query"), r.message());
        assertEquals(30, canaryWeight());
        assertEquals(List.of(Decision.HOLD, Decision.PAUSE), decisions());
    }

    @Test
    void aJudgeThatThrowsHoldsAndSaysWhereItFailed() {
        atWeight30();
        events.clear();
        RolloutController c = controller(new IstioRouter(client), metrics,
                check -> (name, observation, step, memory) -> { throw new ArithmeticException("/ by zero"); }, events::add);
        clock.advance(Duration.ofMinutes(1));
        RolloutController.TickResult r = c.tick(policy);
        assertEquals(Decision.HOLD, r.decision());
        TickError error = rollout().getStatus().error();
        assertTrue(error.message().startsWith("ArithmeticException: / by zero (RolloutFailureTest.java:"), error.message());
        assertEquals(clock.instant().toString(), error.since());
        assertEquals(30, canaryWeight(), "no step is passed on a judge that failed");
        assertEquals(1, events.size());
    }

    @Test
    void aPatchTheTargetRefusesPausesAtTheBoundWithTheRefusal() {
        startedWithStepDue();
        events.clear();
        RolloutController c = controller(new Refusing(new IstioRouter(client)));
        for (int i = 1; i < LIMIT; i++) assertEquals(Decision.HOLD, c.tick(policy).decision());
        RolloutController.TickResult r = c.tick(policy);
        assertEquals(Decision.PAUSE, r.decision(), r.message());
        assertTrue(r.message().contains("could not patch VirtualService/image-classifier: admission webhook"), r.message());
        assertEquals(0, canaryWeight());
        assertNotNull(managedHeaderRoute(), "the first step's routing stands");
        assertEquals(List.of(Decision.HOLD, Decision.PAUSE), decisions());
    }

    @Test
    void aMoveThatKillsTheDaemonEveryTimeIsTriedABoundedNumberOfTimes() {
        startedWithStepDue();
        for (int i = 1; i <= LIMIT; i++) {
            assertThrows(Killed.class, () -> controller(new Dying(new IstioRouter(client), false)).tick(policy));
            assertEquals(i, rollout().getStatus().attempts(), "counted before the patch");
        }
        RolloutController.TickResult r = controller(new IstioRouter(client)).tick(policy);
        assertEquals(Decision.PAUSE, r.decision(), r.message());
        assertTrue(r.message().startsWith("could not finish the move to 70/30 on VirtualService/image-classifier after " + LIMIT
                + " attempts (no failure was recorded"), r.message());
        assertTrue(r.message().contains("aviary.dev/request=resume"), r.message());
        assertEquals(0, canaryWeight());
        assertNull(rollout().getStatus().intended());
        assertEquals(0, rollout().getStatus().attempts());
    }

    @Test
    void aNewCanaryDuringAnInterruptedMoveStartsOverWithoutFinishingIt() {
        RolloutController c = atWeight30();
        clock.advance(Duration.ofMinutes(1));
        assertThrows(Killed.class, () -> controller(new Dying(new IstioRouter(client), false)).tick(policy));
        assertEquals(100, rollout().getStatus().intended().canary(), "a promotion was decided for the old build");
        String oldBuild = rollout().getStatus().canaryIdentity();
        newCanaryBuild();

        Recording router = new Recording(new IstioRouter(client));
        RolloutController.TickResult r = controller(router).tick(policy);
        assertEquals(Decision.START, r.decision(), r.message());
        assertEquals(List.of(TrafficSplit.forStep(policy.steps().get(0))), router.applied, "straight to step 1, the promotion is not finished");
        assertEquals(0, canaryWeight());
        assertNotNull(managedHeaderRoute());
        CanaryRollout cr = rollout();
        assertEquals(0, cr.getStatus().step());
        assertNull(cr.getStatus().intended());
        assertNotEquals(oldBuild, cr.getStatus().canaryIdentity());
        assertEquals(Phase.Progressing, cr.getStatus().phase());
        assertEquals(Decision.HOLD, c.tick(policy).decision(), "the new build is judged from its first step");
    }

    @Test
    void aHandEditStillOutranksANewCanaryDuringAnInterruptedMove() {
        startedWithStepDue();
        assertThrows(Killed.class, () -> controller(new Dying(new IstioRouter(client), false)).tick(policy));
        setCanaryWeightByHand(60);
        newCanaryBuild();
        RolloutController.TickResult r = controller(new IstioRouter(client)).tick(policy);
        assertEquals(Decision.PAUSE, r.decision(), r.message());
        assertEquals(60, canaryWeight(), "never fight a human");
    }

    @Test
    void armsOnOneMetricSeriesPauseBeforeAnythingMoves() {
        labelBothSubsets("v1");
        String untouched = vs().getMetadata().getResourceVersion();
        RolloutController.TickResult r = controller(new IstioRouter(client)).tick(policy);
        assertEquals(Decision.PAUSE, r.decision(), r.message());
        assertTrue(r.message().startsWith("baseline and canary both resolve to the metric label value \"v1\""), r.message());
        assertTrue(r.message().contains("different `version` labels") && r.message().contains("baseline.version"), r.message());
        assertEquals(untouched, vs().getMetadata().getResourceVersion());
        assertEquals(Phase.Paused, rollout().getStatus().phase());
    }

    @Test
    void armsOnOneMetricSeriesPauseMidRolloutWhereverTheLabelsComeFrom() {
        RolloutController c = atWeight30();
        Policy sameVersions = withTarget(new IstioTarget.Arm("resnet50", "v7", null), new IstioTarget.Arm("resnet101", "v7", null));
        RolloutController.TickResult r = c.tick(sameVersions);
        assertEquals(Decision.PAUSE, r.decision(), r.message());
        assertTrue(r.message().contains("\"v7\""), r.message());
        assertEquals(30, canaryWeight(), "a pause leaves the weights where they are");
    }

    @Test
    void aNotifierThatThrowsNeverStopsARollout() {
        RolloutController c = controller(new IstioRouter(client), metrics, judges::judge,
                e -> { throw new IllegalStateException("notification queue closed"); });
        assertEquals(Decision.START, c.tick(policy).decision());
        metrics.healthy();
        clock.advance(Duration.ofMinutes(1));
        assertEquals(Decision.ADVANCE, c.tick(policy).decision());
        clock.advance(Duration.ofMinutes(1));
        assertEquals(Decision.PROMOTE, c.tick(policy).decision());
        assertEquals(100, canaryWeight());
        assertNull(rollout().getStatus().intended(), "each move was recorded as applied");
        assertNull(rollout().getStatus().error());
    }

    // --- fixtures ------------------------------------------------------------------------------------------

    private List<Decision> decisions() {
        return events.stream().map(RolloutEvent::decision).toList();
    }

    private Policy withTarget(IstioTarget.Arm baseline, IstioTarget.Arm canary) {
        return new Policy(policy.name(), policy.namespace(),
                new IstioTarget("image-classifier", "primary", baseline, canary), policy.interval(), policy.steps(),
                policy.maxStepDuration(), policy.onTimeout(), policy.noData(), policy.checks(), policy.alpha(), policy.minRequests(),
                policy.notifications(), policy.source(), policy.hash());
    }

    @SuppressWarnings("unchecked")
    private void labelBothSubsets(String version) {
        client.genericKubernetesResources("networking.istio.io/v1alpha3", "DestinationRule").inNamespace("default")
                .withName("image-classifier").edit(dr -> {
                    Map<String, Object> spec = (Map<String, Object>) dr.getAdditionalProperties().get("spec");
                    for (Map<String, Object> subset : (List<Map<String, Object>>) spec.get("subsets")) {
                        ((Map<String, Object>) subset.get("labels")).put("version", version);
                    }
                    return dr;
                });
    }

    /** A router with a bug: an index out of bounds, as the Istio router had on the tutorial's VirtualService. */
    static final class Throwing extends Delegating {
        final boolean failApply;
        volatile boolean failRead;

        Throwing(TrafficRouter<IstioTarget> inner, boolean failApply, boolean failRead) {
            super(inner);
            this.failApply = failApply;
            this.failRead = failRead;
        }

        @Override
        public LiveTraffic read(IstioTarget target, String namespace) throws TargetException {
            if (failRead) new ArrayList<LiveTraffic>().get(-1);
            return inner.read(target, namespace);
        }

        @Override
        public String apply(IstioTarget target, String namespace, TrafficSplit desired, String resourceVersion) throws TargetException {
            if (failApply) new ArrayList<String>().get(-1);
            return inner.apply(target, namespace, desired, resourceVersion);
        }
    }

    /** A target whose admission webhook refuses every patch. */
    static final class Refusing extends Delegating {
        Refusing(TrafficRouter<IstioTarget> inner) {
            super(inner);
        }

        @Override
        public String apply(IstioTarget target, String namespace, TrafficSplit desired, String resourceVersion) throws TargetException {
            throw new TargetException("admission webhook \"validation.istio.io\" denied the request: configuration is invalid");
        }
    }

    /** Remembers every split it writes. */
    static final class Recording extends Delegating {
        final List<TrafficSplit> applied = new ArrayList<>();

        Recording(TrafficRouter<IstioTarget> inner) {
            super(inner);
        }

        @Override
        public String apply(IstioTarget target, String namespace, TrafficSplit desired, String resourceVersion) throws TargetException {
            applied.add(desired);
            return inner.apply(target, namespace, desired, resourceVersion);
        }
    }
}
