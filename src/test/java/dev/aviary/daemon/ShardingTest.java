package dev.aviary.daemon;

import dev.aviary.cache.WatchCache;
import dev.aviary.traffic.TrafficRouters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.policy.PolicyStore;
import dev.aviary.rollout.CanaryRollout;
import dev.aviary.rollout.Decision;
import dev.aviary.rollout.HistoryEntry;
import dev.aviary.rollout.Phase;
import dev.aviary.rollout.RolloutController;
import dev.aviary.telemetry.RolloutMetrics;
import dev.aviary.telemetry.Scrape;
import dev.aviary.telemetry.Telemetry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three daemons against one API server share 30 rollouts through 12 shard Leases: each rollout is driven by one of
 * them at a time, the shards are spread, and when one daemon dies without a word (its Leases left to expire) its
 * rollouts continue on the other two from their CanaryRollouts, no step applied twice.
 */
@EnableKubernetesMockClient(crud = true)
class ShardingTest {

    static KubernetesClient client;

    static final int ENGINES = 3, ROLLOUTS = 30, SHARDS = 12;
    /** Short, but several seconds: this machine's CPUs are shared, and a starved renewal gives a shard up (as it must). */
    static final Duration LEASE = Duration.ofSeconds(6), RENEW = Duration.ofSeconds(4), RETRY = Duration.ofSeconds(1);

    @TempDir
    Path policies;

    /** One tick as the listener heard it: which engine, which rollout, when it ended, what it decided at which step. */
    record Tick(String engine, String rollout, Instant at, Decision decision, int step) {}

    @Test
    void rolloutsAreSharedAndADeadReplicasRolloutsContinueElsewhere() throws Exception {
        MockRollouts mock = new MockRollouts(client);
        for (int i = 0; i < ROLLOUTS; i++) mock.create(policies, "team-" + i, "2s", "4s", 10, 25, 50, 100);
        ConcurrentLinkedQueue<Tick> ticks = new ConcurrentLinkedQueue<>();
        Map<String, Engine> engines = new LinkedHashMap<>();
        Map<String, Telemetry> telemetry = new LinkedHashMap<>();
        for (int e = 0; e < ENGINES; e++) {
            String name = "engine-" + e;
            PolicyStore store = new PolicyStore(policies);
            Telemetry own = new Telemetry();
            RolloutMetrics metrics = new RolloutMetrics(own, store::active);
            RolloutController controller = mock.controller((policy, result) -> {
                ticks.add(new Tick(name, policy.key(), Instant.now(), result.decision(), result.step()));
                metrics.ticked(policy, result);
            });
            TestEngineConfig config = new TestEngineConfig(policies, 2, 64, true, "aviary-shard", SHARDS, LEASE, RENEW, RETRY);
            engines.put(name, new Engine(store, controller, config, client,
                new PolicyWatches(new WatchCache(client), TrafficRouters.of()), Clock.systemUTC(), own));
            telemetry.put(name, own);
        }
        ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor();
        try {
            engines.values().forEach(Engine::start);
            await(() -> engines.values().stream().mapToInt(e -> e.shards().size()).sum() == SHARDS
                    && engines.values().stream().allMatch(e -> e.shards().size() == SHARDS / ENGINES), "the shards spread evenly");
            // the test plays Quarkus' scheduler: every engine wakes ten times a second
            beats.scheduleAtFixedRate(() -> engines.values().forEach(Engine::heartbeat), 0, 100, TimeUnit.MILLISECONDS);
            await(() -> ticks.stream().map(Tick::rollout).distinct().count() == ROLLOUTS, "every rollout under way");

            String dead = engines.keySet().stream().max(java.util.Comparator.comparingInt(e -> engines.get(e).shards().size())).orElseThrow();
            Engine victim = engines.get(dead);
            Set<Integer> orphaned = victim.shards();
            assertFalse(orphaned.isEmpty(), "the engine to kill drives something");
            Instant killed = Instant.now();
            victim.stop(false); // dies: no release, its Leases and membership expire by themselves
            Instant stopped = Instant.now(); // stop() lets ticks already running end, as a crash would cut them short
            engines.remove(dead);
            Set<String> victimsRollouts = ticks.stream().filter(t -> t.engine().equals(dead)).map(Tick::rollout)
                    .filter(r -> orphaned.contains(ShardMap.shardOf(r, SHARDS))).collect(Collectors.toSet());

            try {
                await(() -> ROLLOUTS == phases().getOrDefault(Phase.Promoted, 0), "every rollout promoted");
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; still going: " + client.resources(CanaryRollout.class).inAnyNamespace().list()
                        .getItems().stream().filter(cr -> cr.getStatus() == null || cr.getStatus().phase() != Phase.Promoted)
                        .map(cr -> cr.getMetadata().getNamespace() + " " + (cr.getStatus() == null ? "no status" : cr.getStatus().phase()
                                + " step " + cr.getStatus().step() + ": " + cr.getStatus().message() + " (last ticked by "
                                + ticks.stream().filter(t -> t.rollout().startsWith(cr.getMetadata().getNamespace() + "/"))
                                        .reduce((a, b) -> b).map(t -> t.engine() + " at " + t.at()).orElse("none") + ")"))
                        .toList());
            }

            List<Tick> all = new ArrayList<>(ticks);
            assertTrue(all.stream().noneMatch(t -> t.engine().equals(dead) && t.at().isAfter(stopped)),
                    "the dead engine ticks no more");
            // each rollout is driven by one engine at a time: an engine's ticks of a rollout form one run, never A..B..A
            Map<String, List<String>> runs = new HashMap<>();
            for (Tick t : all) {
                List<String> r = runs.computeIfAbsent(t.rollout(), k -> new ArrayList<>());
                if (r.isEmpty() || !r.get(r.size() - 1).equals(t.engine())) r.add(t.engine());
            }
            runs.forEach((rollout, r) -> assertEquals(new HashSet<>(r).size(), r.size(), rollout + " went back and forth: " + r));
            // the dead engine's rollouts were taken over, within the lease duration (plus a round and a tick)
            List<Long> handovers = new ArrayList<>();
            for (String rollout : victimsRollouts) {
                Instant next = all.stream().filter(t -> t.rollout().equals(rollout) && !t.engine().equals(dead) && t.at().isAfter(killed))
                        .map(Tick::at).min(Instant::compareTo).orElseThrow(() -> new AssertionError(rollout + " was never taken over"));
                handovers.add(Duration.between(killed, next).toMillis());
            }
            // no step applied twice: one ADVANCE per step in what the engines heard and in each CanaryRollout's history
            Map<String, Long> advances = all.stream().filter(t -> t.decision() == Decision.ADVANCE)
                    .collect(Collectors.groupingBy(t -> t.rollout() + "@" + t.step(), Collectors.counting()));
            advances.forEach((step, n) -> assertEquals(1L, n, step + " advanced more than once"));
            for (int i = 0; i < ROLLOUTS; i++) {
                CanaryRollout cr = client.resources(CanaryRollout.class).inNamespace("team-" + i).withName("image-classifier").get();
                List<Integer> advanced = cr.getStatus().history().stream().filter(h -> h.decision() == Decision.ADVANCE)
                        .map(HistoryEntry::stepNumber).toList();
                assertEquals(new HashSet<>(advanced).size(), advanced.size(), "team-" + i + " history repeats a step: " + advanced);
                assertEquals(100, cr.getStatus().canaryWeight());
            }
            long max = handovers.stream().mapToLong(Long::longValue).max().orElseThrow();
            System.out.printf("sharding: %d ticks by %d engines; the dead engine held shards %s and drove %d rollouts; handover after "
                    + "%d..%d ms (lease %d ms); %d ADVANCE writes for %d rollouts%n", all.size(), ENGINES, orphaned, victimsRollouts.size(),
                    handovers.stream().mapToLong(Long::longValue).min().orElseThrow(), max, LEASE.toMillis(),
                    all.stream().filter(t -> t.decision() == Decision.ADVANCE).count(), ROLLOUTS);
            // a correctness bound, not a performance one: the lease duration, a round to notice, a slot to tick, and slack
            assertTrue(max < LEASE.plus(RETRY).plus(Duration.ofSeconds(2 + 3)).toMillis(), "taken over after " + max + " ms");
            // each rollout's gauges come from the one replica that drives it, never from two pods
            Map<String, Integer> reporters = new HashMap<>();
            for (String e : engines.keySet()) {
                Scrape.parse(new String(telemetry.get(e).scrape(), StandardCharsets.UTF_8)).find("aviary_rollout_canary_weight")
                        .forEach(sample -> reporters.merge(sample.labels().get("namespace"), 1, Integer::sum));
            }
            assertEquals(ROLLOUTS, reporters.size(), "every rollout reported: " + reporters.keySet());
            reporters.forEach((ns, n) -> assertEquals(1, n, ns + " reported by " + n + " replicas"));
            for (Engine e : engines.values()) assertTrue(e.shards().size() <= SHARDS / (ENGINES - 1), "a fair share each: " + e.shards());
        } finally {
            beats.shutdownNow();
            engines.values().forEach(Engine::stop);
        }
    }

    private static Map<Phase, Integer> phases() {
        Map<Phase, Integer> count = new HashMap<>();
        for (CanaryRollout cr : client.resources(CanaryRollout.class).inAnyNamespace().list().getItems()) {
            if (cr.getStatus() != null) count.merge(cr.getStatus().phase(), 1, Integer::sum);
        }
        return count;
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            if (condition.getAsBoolean()) return;
            Thread.sleep(250);
        }
        throw new AssertionError("timed out waiting until " + what);
    }
}
