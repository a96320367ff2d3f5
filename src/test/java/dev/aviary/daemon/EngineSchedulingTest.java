package dev.aviary.daemon;

import dev.aviary.cache.WatchCache;
import dev.aviary.traffic.TrafficRouters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.policy.PolicyStore;
import dev.aviary.telemetry.Scrape;
import dev.aviary.telemetry.Telemetry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's scheduling with leader election off (the sandbox: this process drives everything): a rollout whose
 * tick overran is never ticked twice at once, and a full queue skips ticks and counts them instead of growing.
 */
@EnableKubernetesMockClient(crud = true)
class EngineSchedulingTest {

    static KubernetesClient client;

    @TempDir
    Path policies;

    /** Ticks of each rollout running right now, and the most seen at once. */
    final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
    final AtomicInteger mostAtOnce = new AtomicInteger();
    final AtomicInteger ticked = new AtomicInteger();

    @Test
    void aRolloutWhoseTickOverranIsNeverTickedTwiceAtOnce() throws Exception {
        new MockRollouts(client).create(policies, "slow", "1s", "5s", 10, 100);
        CountDownLatch release = new CountDownLatch(1);
        Telemetry telemetry = new Telemetry();
        Engine engine = engine(2, 8, release, telemetry);
        try {
            engine.start();
            beatUntil(engine, () -> ticked.get() == 1, "the first tick reached its end, where it hangs");
            beat(engine, Duration.ofMillis(3_500)); // three more slots of its 1 s interval go by
            assertEquals(1, ticked.get(), "one tick ran; the due ones found it still running");
            assertTrue(skipped(telemetry, "in_flight") >= 2, "the skipped slots are counted: " + skipped(telemetry, "in_flight"));
            release.countDown();
            beatUntil(engine, () -> ticked.get() >= 2, "ticks resume once the slow one ended");
            assertEquals(1, mostAtOnce.get(), "never two ticks of one rollout at once");
        } finally {
            release.countDown();
            engine.stop();
        }
    }

    @Test
    void aFullQueueSkipsAndCountsInsteadOfGrowing() throws Exception {
        MockRollouts mock = new MockRollouts(client);
        for (int i = 0; i < 4; i++) mock.create(policies, "queued-" + i, "1s", "5s", 10, 100);
        CountDownLatch release = new CountDownLatch(1);
        Telemetry telemetry = new Telemetry();
        Engine engine = engine(1, 1, release, telemetry); // one worker, one place in the queue
        try {
            engine.start();
            beatUntil(engine, () -> ticked.get() == 1, "the one worker hangs in the first tick");
            beat(engine, Duration.ofMillis(2_500));
            assertEquals(1, ticked.get(), "nothing else ran meanwhile");
            assertTrue(skipped(telemetry, "queue_full") >= 2, "the ticks that found the queue full are counted, not queued: "
                    + skipped(telemetry, "queue_full"));
            release.countDown();
            beatUntil(engine, () -> running.size() == 4, "every rollout ticked once the worker was free");
        } finally {
            release.countDown();
            engine.stop();
        }
    }

    private Engine engine(int workers, int queue, CountDownLatch release, Telemetry telemetry) {
        TestEngineConfig config = new TestEngineConfig(policies, workers, queue, false, "unused", 1, Duration.ofSeconds(15),
                Duration.ofSeconds(10), Duration.ofSeconds(2));
        // the listener runs inside the tick: holding it is a tick that overruns
        var controller = new MockRollouts(client).controller((policy, result) -> {
            AtomicInteger now = running.computeIfAbsent(policy.key(), k -> new AtomicInteger());
            mostAtOnce.accumulateAndGet(now.incrementAndGet(), Math::max);
            ticked.incrementAndGet();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                now.decrementAndGet();
            }
        });
        return new Engine(new PolicyStore(policies), controller, config, client,
                new PolicyWatches(new WatchCache(client), TrafficRouters.of()), Clock.systemUTC(), telemetry);
    }

    /** Plays Quarkus' scheduler: wakes the engine ten times a second for a while. */
    private static void beat(Engine engine, Duration howLong) throws InterruptedException {
        long end = System.nanoTime() + howLong.toNanos();
        while (System.nanoTime() < end) {
            engine.heartbeat();
            Thread.sleep(100);
        }
    }

    private static void beatUntil(Engine engine, java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out waiting until " + what);
            engine.heartbeat();
            Thread.sleep(100);
        }
    }

    private static double skipped(Telemetry telemetry, String reason) {
        return Scrape.parse(new String(telemetry.scrape(), StandardCharsets.UTF_8)).find("aviary_ticks_skipped_total", "reason", reason)
                .stream().mapToDouble(Scrape.Sample::value).sum();
    }
}
