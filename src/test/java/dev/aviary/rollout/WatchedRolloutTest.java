package dev.aviary.rollout;

import static dev.aviary.cache.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.analysis.ArmCounts;
import dev.aviary.analysis.Observation;
import dev.aviary.cache.WatchCache;
import dev.aviary.daemon.PolicyWatches;
import dev.aviary.policy.IstioTarget;
import dev.aviary.policy.Policy;
import dev.aviary.policy.Step;
import dev.aviary.rbac.ApiRequest;
import dev.aviary.rbac.ApiRequestLog;
import dev.aviary.traffic.TargetException;
import dev.aviary.traffic.TrafficRouter;
import dev.aviary.traffic.TrafficRouters;
import dev.aviary.traffic.istio.IstioRouter;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The controller reading through the daemon's watch cache (informers on the mock API server, CRUD mode), with the
 * requests it sends counted by the recording HTTP client every test client uses.
 */
@EnableKubernetesMockClient(crud = true)
class WatchedRolloutTest extends RolloutFixture {

    private static final Duration INTERVAL = Duration.ofSeconds(10);
    private static final Duration REFRESH = Duration.ofMinutes(5);
    private static final int HOLDS = 180;

    private final WatchCache cache = new WatchCache(client);

    @AfterEach
    void stopWatching() {
        cache.close();
    }

    /** Before: every HOLD tick reads everything from the API server and writes the status. After: nothing, mostly. */
    @Test
    void aHoldTickSendsNoRequestOnceTheCachesAreWarm() {
        Policy longStep = longFirstStep();
        double direct = requestsPerHold(longStep, controller(new RolloutRepository(client), new IstioRouter(client), Duration.ZERO));

        load();
        watch(longStep);
        RolloutController cached = controller(new RolloutRepository(client, cache), new IstioRouter(client, cache), REFRESH);
        long[] perTick = new long[HOLDS];
        double watched = requestsPerHold(longStep, cached, perTick);
        long writes = java.util.Arrays.stream(perTick).filter(n -> n > 0).count();
        System.out.printf("API requests per HOLD tick (%d ticks, %ds apart, refresh %s): %.2f reading the API server and writing "
                + "every tick, %.3f through the watch caches (%d ticks sent any)%n", HOLDS, INTERVAL.toSeconds(), REFRESH, direct, watched, writes);

        assertTrue(direct >= 5, "without caches a hold reads the rollout, the VirtualService, DestinationRules, Service and "
                + "Deployments and writes the status: " + direct);
        assertTrue(watched <= 0.05, "at most 0.05 requests per HOLD tick through the caches: " + watched);
        // the only requests left are the status refreshes, one write each, at most one per REFRESH
        long refreshes = HOLDS * INTERVAL.toSeconds() / REFRESH.toSeconds() + 1;
        assertTrue(writes <= refreshes, writes + " ticks sent requests; at most " + refreshes + " refreshes expected");
        assertTrue(java.util.Arrays.stream(perTick).allMatch(n -> n <= 1), "a refresh is one write");
        assertEquals(Phase.Progressing, rollout().getStatus().phase());
        assertEquals(Decision.HOLD, rollout().getStatus().lastDecision());
    }

    @Test
    void aWriteOnAStaleReadConflictsAndTheNextTickReReadsAndSucceeds() {
        watch(policy);
        RolloutController c = cachedController(new IstioRouter(client, cache));
        c.tick(policy);
        metrics.healthy();
        clock.advance(Duration.ofMinutes(1));
        assertEquals(Decision.ADVANCE, c.tick(policy).decision());
        assertEquals(30, canaryWeight());

        // a person annotates the CanaryRollout between the patch and the write that records it as applied
        metrics.errors = new Observation.Counts(new ArmCounts(7000, 70), new ArmCounts(3000, 150));
        RolloutController racing = cachedController(new TouchesRolloutOnApply(new IstioRouter(client, cache)));
        assertThrows(RolloutConflict.class, () -> racing.tick(policy));
        assertEquals(0, canaryWeight(), "the rollback landed");

        // right after, the cache may still hold the version the write found stale: the next read goes through once
        RolloutController.TickResult r = c.tick(policy);
        assertEquals(Phase.RolledBack, r.phase(), r.message());
        assertNull(rollout().getStatus().intended(), "the next tick records the move as applied");
        assertEquals(Phase.RolledBack, rollout().getStatus().phase());
        assertEquals("looking", rollout().getMetadata().getAnnotations().get("example.com/note"), "the person's write is kept");
    }

    @Test
    void aHandEditArrivesThroughTheWatchAndPauses() throws TargetException {
        watch(policy);
        IstioRouter router = new IstioRouter(client, cache);
        RolloutController c = cachedController(router);
        c.tick(policy);
        metrics.healthy();
        clock.advance(Duration.ofMinutes(1));
        c.tick(policy);
        assertEquals(30, canaryWeight());

        setCanaryWeightByHand(60);
        IstioTarget target = (IstioTarget) policy.target();
        await(() -> weightInCache(router, target) == 60, "the watch brings the hand edit");
        long mark = ApiRequestLog.mark();
        RolloutController.TickResult r = c.tick(policy);
        List<ApiRequest> sent = ApiRequestLog.applicationSince(mark);

        assertEquals(Decision.PAUSE, r.decision(), r.message());
        assertTrue(r.message().contains("30"), "says what Aviary had set: " + r.message());
        assertEquals(60, canaryWeight(), "the person's weights stand");
        assertTrue(sent.stream().noneMatch(q -> q.verb().equals("get") || q.verb().equals("list")),
                "the tick read nothing from the API server: " + sent.stream().map(ApiRequest::describe).toList());
        assertEquals(List.of("update"), sent.stream().map(ApiRequest::verb).toList(), "one write: the pause");
    }

    /** Holds that write nothing lose nothing: a restarted daemon (new caches, new controller) pauses on time for missing data. */
    @Test
    void aRestartAfterUnwrittenHoldsKeepsTheNoDataClock() {
        watch(policy);
        RolloutController c = cachedController(new IstioRouter(client, cache));
        c.tick(policy);
        clock.advance(INTERVAL);
        metrics.errors = new Observation.Missing("Prometheus at http://prometheus:9090 did not answer");
        Instant missingFrom = clock.instant();
        assertEquals(Decision.HOLD, c.tick(policy).decision());
        String recorded = rollout().getMetadata().getResourceVersion();
        for (int i = 0; i < 12; i++) {
            clock.advance(INTERVAL);
            assertEquals(Decision.HOLD, c.tick(policy).decision());
        }
        assertEquals(recorded, rollout().getMetadata().getResourceVersion(), "the no-data holds after the first wrote nothing");
        assertEquals(missingFrom.toString(), rollout().getStatus().noDataSince(), "when data went missing is recorded at once");

        cache.close();
        WatchCache restarted = new WatchCache(client);
        try {
            new PolicyWatches(restarted, TrafficRouters.of(new IstioRouter(client, restarted))).follow(List.of(policy));
            await(() -> restarted.synced("default"), "the restarted daemon's informers synced");
            RolloutController after = controller(new RolloutRepository(client, restarted), new IstioRouter(client, restarted), REFRESH);
            clock.advance(policy.noData().tolerate().minus(Duration.ofSeconds(12 * INTERVAL.toSeconds())));
            assertEquals(Decision.HOLD, after.tick(policy).decision(), "still within the tolerance, counted from the first miss");
            clock.advance(INTERVAL);
            RolloutController.TickResult r = after.tick(policy);
            assertEquals(Decision.PAUSE, r.decision(), r.message());
            assertTrue(r.message().contains("no data for 5m10s"), r.message());
        } finally {
            restarted.close();
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    /** A first step long enough for every hold of the measurement. */
    private Policy longFirstStep() {
        policy = policy(Duration.ofHours(3), Policy.TimeoutAction.ROLLBACK);
        return withSteps(new Step(null, policy.steps().get(0).headerRoute(), null, Duration.ofHours(2)),
                new Step(30, null, null, Duration.ofMinutes(1)), new Step(100, null, null, Duration.ZERO));
    }

    private double requestsPerHold(Policy p, RolloutController c) {
        return requestsPerHold(p, c, new long[HOLDS]);
    }

    /** Starts the rollout, warms up with a few holds, then counts the application's requests over {@link #HOLDS} holds. */
    private double requestsPerHold(Policy p, RolloutController c, long[] perTick) {
        assertEquals(Decision.START, c.tick(p).decision());
        metrics.healthy();
        for (int i = 0; i < 3; i++) {
            clock.advance(INTERVAL);
            c.tick(p);
        }
        long total = 0;
        for (int i = 0; i < HOLDS; i++) {
            clock.advance(INTERVAL);
            long mark = ApiRequestLog.mark();
            RolloutController.TickResult r = c.tick(p);
            assertEquals(Decision.HOLD, r.decision(), r.message());
            perTick[i] = ApiRequestLog.applicationSince(mark).size();
            total += perTick[i];
        }
        return (double) total / HOLDS;
    }

    private RolloutController cachedController(TrafficRouter<?> router) {
        return controller(new RolloutRepository(client, cache), router, REFRESH);
    }

    private RolloutController controller(RolloutRepository rollouts, TrafficRouter<?> router, Duration refresh) {
        return new RolloutController(rollouts, TrafficRouters.of(router), metrics, judges::judge, judges.sampleRatioGuard(),
                events::add, clock, TickListener.NONE, refresh);
    }

    private void watch(Policy p) {
        new PolicyWatches(cache, TrafficRouters.of(new IstioRouter(client, cache))).follow(List.of(p));
        await(() -> cache.synced(p.namespace()), "the informers of " + p.namespace() + " synced");
    }

    private static int weightInCache(IstioRouter router, IstioTarget target) {
        try {
            return router.read(target, "default").split().canaryWeight();
        } catch (TargetException e) {
            throw new AssertionError(e);
        }
    }
}
