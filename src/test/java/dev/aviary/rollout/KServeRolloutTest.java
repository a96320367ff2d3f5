package dev.aviary.rollout;

import static dev.aviary.traffic.kserve.KServeFixtures.NAME;
import static dev.aviary.traffic.kserve.KServeFixtures.NS;
import static dev.aviary.traffic.kserve.KServeFixtures.REV1;
import static dev.aviary.traffic.kserve.KServeFixtures.REV2;
import static dev.aviary.traffic.kserve.KServeFixtures.SCHEMA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.analysis.ArmCounts;
import dev.aviary.analysis.Observation;
import dev.aviary.checks.CheckTypes;
import dev.aviary.checks.Comparison;
import dev.aviary.checks.istio.IstioPresets;
import dev.aviary.metrics.MetricSource;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.KServeTarget;
import dev.aviary.policy.Policy;
import dev.aviary.policy.Step;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.TrafficRouters;
import dev.aviary.traffic.kserve.KServeFixtures;
import dev.aviary.traffic.kserve.KServeRouter;
import dev.aviary.traffic.kserve.PatchRecorder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * KServe rollouts through the real RolloutController and KServe router, on the mock API server (CRUD mode) holding
 * the tutorial's fraud-classifier in Serverless mode, with {@link KServeFixtures#reconcile} playing KServe's
 * controller only when a test lets it: the faults of a rollout on KServe, and that every write is the managed
 * field alone, schema-valid.
 */
@EnableKubernetesMockClient(crud = true)
class KServeRolloutTest {

    static KubernetesClient client;
    static KubernetesMockServer server;

    static final String PATH = "/apis/serving.kserve.io/v1beta1/namespaces/" + NS + "/inferenceservices/" + NAME;

    final RolloutFixture.MovableClock clock = new RolloutFixture.MovableClock(Instant.parse("2026-11-22T10:00:00Z"));
    final SplitMetrics metrics = new SplitMetrics();
    final List<RolloutEvent> events = new ArrayList<>();
    final Policy policy = new Policy(NAME, NS, new KServeTarget(NAME), Duration.ofSeconds(30),
            List.of(new Step(20, null, null, Duration.ofMinutes(1)), new Step(50, null, null, Duration.ofMinutes(1)),
                    new Step(100, null, null, Duration.ZERO)),
            Duration.ofMinutes(10), Policy.TimeoutAction.ROLLBACK, new Policy.NoDataRule(Duration.ofMinutes(5), Policy.TimeoutAction.PAUSE),
            List.of(new Comparison.Spec("errors", IstioPresets.ERROR_RATE, null, null, 0.1, null)),
            0.01, 500, List.of(), null, "hash-1");

    KServeFixtures kserve;
    PatchRecorder patches;
    RolloutController controller;

    @BeforeEach
    void setUp() {
        client.resources(CanaryRollout.class).inNamespace(NS).delete();
        kserve = new KServeFixtures(client);
        kserve.create(KServeFixtures.tutorial());
        patches = new PatchRecorder(client);
        CheckTypes judges = new CheckTypes();
        controller = new RolloutController(new RolloutRepository(client), TrafficRouters.of(new KServeRouter(patches.client())),
                metrics, judges::judge, judges.sampleRatioGuard(), events::add, clock);
    }

    @AfterEach
    void everyWriteWasTheManagedFieldAndSchemaValid() {
        if (patches.count() > 0) patches.assertTouchOnly(Set.of("/metadata/resourceVersion", "/spec/predictor/canaryTrafficPercent"));
        if (kserve.get() != null) assertEquals(List.of(), SCHEMA.violations(kserve.get()));
    }

    /** Started at 20% (the tutorial's own split), step 1's minDuration over and the split served. */
    void atStep1Due() {
        assertEquals(Decision.START, controller.tick(policy).decision());
        assertEquals(REV2, rollout().getStatus().canaryIdentity());
        clock.advance(Duration.ofMinutes(1));
    }

    /** Advanced to 50%, which KServe has not applied yet. */
    void advancedTo50() {
        atStep1Due();
        RolloutController.TickResult r = controller.tick(policy);
        assertEquals(Decision.ADVANCE, r.decision(), r.message());
        assertEquals(50, kserve.canaryTrafficPercent());
    }

    @Test
    void aGoodCanaryIsJudgedOnlyOnceKServeServesItsSplitAndIsPromoted() {
        advancedTo50();
        clock.advance(Duration.ofMinutes(2));
        RolloutController.TickResult r = controller.tick(policy);
        assertEquals(Decision.HOLD, r.decision(), "passing checks do not advance a split KServe does not serve");
        assertTrue(r.message().contains("gives the canary " + REV2 + " 20%, not 50%"), r.message());
        kserve.reconcile();
        clock.advance(Duration.ofSeconds(30));
        r = controller.tick(policy);
        assertEquals(Decision.HOLD, r.decision(), "the step's window starts when KServe is seen serving the split");
        assertTrue(r.message().contains("serves 50/50 now; step 2's evidence counts from here"), r.message());
        clock.advance(Duration.ofSeconds(40));
        assertEquals(Decision.HOLD, controller.tick(policy).decision(), "40 s of the split served: minDuration is 1m");
        clock.advance(Duration.ofSeconds(30));
        assertEquals(Decision.PROMOTE, controller.tick(policy).decision());
        assertNull(kserve.canaryTrafficPercent(), "promoted: canaryTrafficPercent removed");
        kserve.reconcile();
        assertEquals(Decision.HOLD, controller.tick(policy).decision());
        assertEquals(Phase.Promoted, rollout().getStatus().phase());
        assertEquals(new ArmLabels(REV1, REV2, "fraud-classifier-predictor"), metrics.arms, "arms are the revisions");
    }

    @Test
    void kServeNeverReportingTheSplitHoldsThenPausesAfterTheNoDataTolerance() {
        advancedTo50();
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofMinutes(1));
            RolloutController.TickResult r = controller.tick(policy);
            assertEquals(Decision.HOLD, r.decision(), r.message());
        }
        clock.advance(Duration.ofMinutes(2));
        RolloutController.TickResult r = controller.tick(policy);
        assertEquals(Decision.PAUSE, r.decision(), r.message());
        assertTrue(r.message().contains("does not serve 50/50 yet") && r.message().contains("tolerated: 5m"), r.message());
        assertEquals(Phase.Paused, rollout().getStatus().phase());
        assertEquals(50, kserve.canaryTrafficPercent(), "nothing more is written to a target that does not settle");
    }

    @Test
    void anInferenceServiceThatTurnsNotReadyMidStepHoldsAndNeverAdvances() {
        atStep1Due();
        kserve.setReady(false, "RevisionFailed");
        for (int i = 0; i < 3; i++) {
            RolloutController.TickResult r = controller.tick(policy);
            assertEquals(Decision.HOLD, r.decision(), r.message());
            assertTrue(r.message().contains("Ready=False (RevisionFailed)"), r.message());
            clock.advance(Duration.ofMinutes(1));
        }
        assertEquals(20, kserve.canaryTrafficPercent());
        assertEquals(0, rollout().getStatus().step());
        kserve.setReady(true, null);
        clock.advance(Duration.ofMinutes(1));
        assertEquals(Decision.HOLD, controller.tick(policy).decision(), "Ready again: the window restarts here");
        clock.advance(Duration.ofMinutes(1));
        assertEquals(Decision.ADVANCE, controller.tick(policy).decision(), "once Ready again the step is judged");
    }

    @Test
    void aPatchKServeRejectsPausesWithKServesMessage() {
        atStep1Due();
        String denied = "admission webhook \"inferenceservice.kserve-webhook-server.validator\" denied the request: "
                + "canaryTrafficPercent is not supported in RawDeployment mode";
        Status status = new StatusBuilder().withStatus("Failure").withCode(422).withReason("Invalid").withMessage(denied).build();
        server.expect().patch().withPath(PATH).andReturn(422, status).times(TickFailures.LIMIT);
        RolloutController.TickResult r = controller.tick(policy);
        assertEquals(Decision.HOLD, r.decision());
        assertTrue(r.message().contains(denied), r.message());
        for (int i = 1; i < TickFailures.LIMIT; i++) {
            clock.advance(Duration.ofSeconds(30));
            r = controller.tick(policy);
        }
        assertEquals(Phase.Paused, rollout().getStatus().phase(), r.message());
        assertTrue(rollout().getStatus().message().contains(denied), rollout().getStatus().message());
        assertEquals(20, kserve.canaryTrafficPercent());
    }

    @Test
    void aDeletedInferenceServiceStopsTheRolloutAndKeepsTheCanaryRollout() {
        atStep1Due();
        kserve.delete();
        RolloutController.TickResult r = controller.tick(policy);
        assertEquals(Decision.PAUSE, r.decision(), r.message());
        CanaryRollout cr = rollout();
        assertNotNull(cr, "the CanaryRollout stays, with the reason");
        assertEquals(Phase.Paused, cr.getStatus().phase());
        assertTrue(cr.getStatus().message().contains("InferenceService kserve-deployments/fraud-classifier not found"), cr.getStatus().message());
    }

    @Test
    void aPersonChangingCanaryTrafficPercentPausesTheRollout() {
        atStep1Due();
        var isvc = kserve.get();
        KServeFixtures.predictor(isvc).put("canaryTrafficPercent", 35);
        kserve.put(isvc);
        kserve.reconcile();
        RolloutController.TickResult r = controller.tick(policy);
        assertEquals(Decision.PAUSE, r.decision(), r.message());
        assertTrue(r.message().contains("changed by someone else (expected 80/20, found 65/35)"), r.message());
        assertEquals(35, kserve.canaryTrafficPercent(), "Aviary does not fight it");
    }

    @Test
    void consecutiveCanariesEndWithTheRightRevisions() {
        // kserve#2130's sequence: a canary, its rollback, a new canary
        atStep1Due();
        metrics.failing = true;
        assertEquals(Decision.ROLLBACK, controller.tick(policy).decision());
        assertEquals(0, kserve.canaryTrafficPercent(), "rollback pins the rolled-out revision");
        kserve.reconcile();
        assertEquals(REV1, KServeFixtures.predictorStatus(kserve.get()).get("latestRolledoutRevision"));
        assertEquals(Decision.HOLD, controller.tick(policy).decision(), "a rolled-back rollout stays put");

        metrics.failing = false;
        String rev3 = kserve.newRevision("fraud-classifier:rf-2", 20);
        RolloutController.TickResult r = controller.tick(policy);
        assertEquals(Decision.START, r.decision(), r.message());
        assertTrue(r.message().contains("new canary " + rev3), r.message());
        assertEquals(rev3, rollout().getStatus().canaryIdentity());
        kserve.reconcile();
        clock.advance(Duration.ofMinutes(1));
        RolloutController.TickResult advanced = controller.tick(policy);
        assertEquals(Decision.ADVANCE, advanced.decision(), advanced.message());
        assertEquals(new ArmLabels(REV1, rev3, "fraud-classifier-predictor"), metrics.arms,
                "the new canary is judged against the rolled-out revision, never the rolled-back one");
    }

    CanaryRollout rollout() {
        return client.resources(CanaryRollout.class).inNamespace(NS).withName(NAME).get();
    }

    /** Requests split as KServe's status says, errors at 1% (or the canary's at 5%); keeps the arms it was asked about. */
    final class SplitMetrics implements MetricSource {
        boolean failing;
        ArmLabels arms;

        @Override
        public Observation observe(Policy policy, CheckSpec check, ArmLabels arms, Duration window) {
            return requests(policy, arms, window);
        }

        @Override
        public Observation requests(Policy policy, ArmLabels arms, Duration window) {
            this.arms = arms;
            Integer p = kserve.canaryTrafficPercent();
            long canary = 100L * (p == null ? 100 : p);
            long baseline = 10000 - canary;
            return new Observation.Counts(new ArmCounts(baseline, baseline / 100), new ArmCounts(canary, failing ? canary / 20 : canary / 100));
        }
    }
}
