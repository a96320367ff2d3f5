package dev.aviary.daemon;

import dev.aviary.policy.Policy;
import dev.aviary.policy.PolicyStore;
import dev.aviary.policy.Problem;
import dev.aviary.policy.ReloadReport;
import java.nio.file.Path;
import java.util.List;
import dev.aviary.rollout.FailureLog;
import dev.aviary.rollout.RolloutConflict;
import dev.aviary.rollout.RolloutController;
import dev.aviary.telemetry.Telemetry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The daemon's heartbeat: re-reads the policies, and runs each policy's tick at the policy's interval, for the
 * rollouts whose shard this replica holds ({@link ShardLeases}; all of them with leader election off). Each policy
 * ticks at a stable phase of its interval ({@link TickSchedule}), so ticks spread instead of all falling in one
 * second. Ticks of different policies run in parallel on a fixed pool of workers behind a bounded queue; a tick that
 * finds its policy's last tick still running, or the queue full, is skipped and counted, never queued: a rollout is
 * never ticked twice at once, and the queue never grows.
 */
@ApplicationScoped
public class Engine {

    private static final Logger LOG = Logger.getLogger(Engine.class);

    private final PolicyStore policies;
    private final RolloutController controller;
    private final EngineConfig config;
    private final KubernetesClient client;
    private final PolicyWatches watches;
    private final Clock clock;
    private final Telemetry telemetry;
    private final AtomicBoolean started = new AtomicBoolean();
    /** Readiness: the policy directory was read once, and this replica runs for the Lease (or needs none). */
    private final AtomicBoolean policiesLoaded = new AtomicBoolean();
    private final AtomicBoolean electionStarted = new AtomicBoolean();
    private final Map<String, Instant> due = new ConcurrentHashMap<>();
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    /** A failure that repeats on every tick is logged once, not every tick. */
    private final FailureLog failures = new FailureLog(LOG);
    private final ThreadPoolExecutor workers;
    private volatile Instant nextReload = Instant.EPOCH;
    private volatile Instant lastHeartbeat;
    private volatile Map<Path, List<Problem>> lastProblems = Map.of();
    /** Which rollouts this replica drives; null: all of them (leader election off). */
    private volatile ShardLeases shards;
    private volatile TickWatch tickWatch = TickWatch.NONE;

    public Engine(PolicyStore policies, RolloutController controller, EngineConfig config, KubernetesClient client,
            PolicyWatches watches, Clock clock) {
        this(policies, controller, config, client, watches, clock, new Telemetry());
    }

    @Inject
    public Engine(PolicyStore policies, RolloutController controller, EngineConfig config, KubernetesClient client,
            PolicyWatches watches, Clock clock, Telemetry telemetry) {
        this.telemetry = telemetry;
        telemetry.leaderFrom(this::leading);
        telemetry.drivesFrom(this::drives);
        this.policies = policies;
        this.controller = controller;
        this.config = config;
        this.client = client;
        this.watches = watches;
        this.clock = clock;
        this.workers = new ThreadPoolExecutor(config.workers(), config.workers(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(Math.max(1, config.queue())), r -> {
                    Thread t = new Thread(r, "rollout-worker");
                    t.setDaemon(true);
                    return t;
                });
    }

    /** Begin judging and moving traffic (the {@code run} and {@code demo} commands call this). */
    public synchronized void start() {
        if (!started.compareAndSet(false, true)) return;
        reload();
        EngineConfig.LeaderElection election = config.leaderElection();
        if (election.enabled()) {
            String identity = System.getenv().getOrDefault("HOSTNAME", "aviary") + "-" + UUID.randomUUID().toString().substring(0, 8);
            String ns = election.namespace().orElse(client.getNamespace() == null ? "default" : client.getNamespace());
            shards = new ShardLeases(client, new ShardLeases.Settings(ns, election.leaseName(), election.shards(), election.leaseDuration(),
                    election.renewDeadline(), election.retryPeriod()), identity, clock);
            shards.start();
        }
        electionStarted.set(true);
    }

    /** Stop judging; waits (a few seconds at most) for ticks in flight, so none writes after the Leases are released. */
    public void stop() {
        stop(true);
    }

    /** @param release false only to play a crashed replica in tests: its Leases stay until they expire */
    synchronized void stop(boolean release) {
        started.set(false);
        Instant deadline = clock.instant().plusSeconds(15);
        while (!inFlight.isEmpty() && clock.instant().isBefore(deadline)) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        ShardLeases leases = shards;
        shards = null;
        if (leases != null) leases.stop(release);
        watches.stop();
    }

    /** Who hears each tick with its rollout (the benchmark); Aviary's own metrics need no more than {@link Telemetry}. */
    public void watchTicks(TickWatch watch) {
        this.tickWatch = watch == null ? TickWatch.NONE : watch;
    }

    /** When the scheduler last woke the engine; null before it started. */
    public Instant lastHeartbeat() {
        return lastHeartbeat;
    }

    public boolean started() {
        return started.get();
    }

    /** Drives rollouts: holds at least one shard, or needs none. */
    public boolean leading() {
        ShardLeases leases = shards;
        return started.get() && (leases == null || !leases.holding().isEmpty());
    }

    /** Whether this replica may tick the rollout now: leader election off, or it holds the rollout's shard. */
    boolean drives(String rolloutKey) {
        ShardLeases leases = shards;
        return started.get() && (leases == null ? !config.leaderElection().enabled() : leases.drives(rolloutKey));
    }

    /** The shards this replica holds (empty with leader election off: it needs none). */
    public Set<Integer> shards() {
        ShardLeases leases = shards;
        return leases == null ? Set.of() : leases.holding();
    }

    /**
     * Ready to serve: started, the policies read once, and the leader election running. Leading is not needed: a
     * replica that does not lead serves the API and the status page, and stands by to take the Lease over.
     */
    public boolean ready() {
        return started.get() && policiesLoaded.get() && electionStarted.get();
    }

    @Scheduled(every = "${aviary.tick:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void heartbeat() {
        if (!started.get()) return;
        Instant now = clock.instant();
        lastHeartbeat = now;
        if (!now.isBefore(nextReload)) reload();
        for (Policy p : policies.active()) {
            if (!drives(p.key())) {
                due.remove(p.key()); // another replica drives it; if it comes back here, it starts on its phase again
                continue;
            }
            Instant dueAt = due.computeIfAbsent(p.key(), k -> TickSchedule.firstAt(k, p.interval(), now));
            if (now.isBefore(dueAt)) continue;
            due.put(p.key(), TickSchedule.after(dueAt, p.interval(), now));
            if (!inFlight.add(p.key())) {
                telemetry.tickSkipped("in_flight"); // the last tick overran: this one waits for its next slot
                continue;
            }
            try {
                workers.execute(() -> runTick(p, dueAt));
            } catch (RejectedExecutionException e) {
                inFlight.remove(p.key());
                telemetry.tickSkipped("queue_full");
            }
        }
    }

    /** @param dueAt the slot the tick was due at; how late it starts is the tick's lag */
    private void runTick(Policy p, Instant dueAt) {
        long start = System.nanoTime();
        String result = null;
        Duration lag = Duration.ZERO;
        RolloutController.TickResult decided = null;
        try {
            // checked right before the tick: stopped, or the shard moved on while the tick waited in the queue
            if (!drives(p.key())) return;
            lag = Duration.between(dueAt, clock.instant());
            telemetry.tickLate(lag);
            decided = controller.tick(p);
            result = "ok";
            failures.recovered(p.key());
        } catch (RolloutConflict e) {
            result = "conflict";
            LOG.debugf("%s: %s; the next tick re-reads", p.key(), e.getMessage());
        } catch (RuntimeException e) {
            result = "failed";
            // the controller holds and counts what a tick did not expect; what reaches here is the CanaryRollout
            // itself out of reach (API server down, RBAC): nothing to record it in, so say it once per message
            failures.failed(p.key(), "tick failed, the next tick retries", e);
        } finally {
            inFlight.remove(p.key());
            if (result != null) {
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                telemetry.ticked(took, result);
                try {
                    tickWatch.ticked(p.key(), lag, took, decided);
                } catch (RuntimeException e) {
                    // watching never holds up a rollout
                }
            }
        }
    }

    private void reload() {
        nextReload = clock.instant().plus(config.policies().reloadInterval());
        try {
            ReloadReport report = policies.reload();
            policiesLoaded.set(true); // a bad file is reported, not fatal: what validates is in force
            report.added().forEach(p -> LOG.infof("policy %s in force (%s)", p.key(), p.source()));
            report.changed().forEach(p -> LOG.infof("policy %s changed (%s)", p.key(), p.source()));
            report.removed().forEach(p -> LOG.infof("policy %s removed", p.key()));
            // the same problems are found on every reload: say them once, and again when they change
            if (!report.problems().equals(lastProblems)) {
                report.problems().values().forEach(list -> list.forEach(problem -> LOG.warnf("policy rejected: %s", problem)));
                lastProblems = report.problems();
            }
        } catch (RuntimeException e) {
            LOG.warnf(e, "could not re-read the policies in %s; the policies in force stay", config.policies().dir());
        }
        // the namespaces with policies are watched, so their ticks read caches
        watches.follow(policies.active());
    }

    void onStop(@Observes ShutdownEvent ev) {
        stop();
        workers.shutdownNow();
    }
}
