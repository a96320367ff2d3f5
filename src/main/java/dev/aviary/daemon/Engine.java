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
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The daemon's heartbeat: re-reads the policies, and runs each policy's tick at the policy's interval while this
 * replica leads. Ticks of different policies run in parallel; a policy whose last tick is still running is
 * skipped, never queued.
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
    private final AtomicBoolean leading = new AtomicBoolean();
    /** Readiness: the policy directory was read once, and this replica runs for the Lease (or needs none). */
    private final AtomicBoolean policiesLoaded = new AtomicBoolean();
    private final AtomicBoolean electionStarted = new AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicLong terms = new java.util.concurrent.atomic.AtomicLong();
    private final Map<String, Instant> due = new ConcurrentHashMap<>();
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    /** A failure that repeats on every tick is logged once, not every tick. */
    private final FailureLog failures = new FailureLog(LOG);
    private final ExecutorService workers;
    private volatile Instant nextReload = Instant.EPOCH;
    private volatile Instant lastHeartbeat;
    private volatile Map<Path, List<Problem>> lastProblems = Map.of();
    private CompletableFuture<?> election;

    public Engine(PolicyStore policies, RolloutController controller, EngineConfig config, KubernetesClient client,
            PolicyWatches watches, Clock clock) {
        this(policies, controller, config, client, watches, clock, new Telemetry());
    }

    @Inject
    public Engine(PolicyStore policies, RolloutController controller, EngineConfig config, KubernetesClient client,
            PolicyWatches watches, Clock clock, Telemetry telemetry) {
        this.telemetry = telemetry;
        telemetry.leaderFrom(this::leading);
        this.policies = policies;
        this.controller = controller;
        this.config = config;
        this.client = client;
        this.watches = watches;
        this.clock = clock;
        this.workers = Executors.newFixedThreadPool(config.workers(), r -> {
            Thread t = new Thread(r, "rollout-worker");
            t.setDaemon(true);
            return t;
        });
    }

    /** Begin judging and moving traffic (the {@code run} and {@code demo} commands call this). */
    public synchronized void start() {
        if (!started.compareAndSet(false, true)) return;
        reload();
        if (!config.leaderElection().enabled()) {
            leading.set(true);
            electionStarted.set(true);
            return;
        }
        String identity = System.getenv().getOrDefault("HOSTNAME", "aviary") + "-" + UUID.randomUUID().toString().substring(0, 8);
        String ns = config.leaderElection().namespace().orElse(client.getNamespace() == null ? "default" : client.getNamespace());
        elect(identity, ns);
    }

    /**
     * Run for leadership. fabric8's elector ends for good once it loses the Lease (a renewal missed during an API
     * server blip), so a new one is started whenever the last has ended while the engine runs: otherwise a
     * replica that lost the Lease once would never judge again, and every rollout would freeze where it stands.
     */
    private synchronized void elect(String identity, String ns) {
        if (!started.get()) return;
        long term = terms.get();
        election = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName("aviary")
                .withLock(new LeaseLock(ns, config.leaderElection().leaseName(), identity))
                .withLeaseDuration(Duration.ofSeconds(15))
                .withRenewDeadline(Duration.ofSeconds(10))
                .withRetryPeriod(Duration.ofSeconds(2))
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(
                        () -> {
                            LOG.infof("%s leads: rollouts run here", identity);
                            leading.set(true);
                        },
                        () -> {
                            LOG.infof("%s no longer leads: rollouts stop here", identity);
                            leading.set(false);
                        },
                        leader -> LOG.debugf("leader is %s", leader)))
                .build()).build().start();
        electionStarted.set(true);
        election.whenComplete((ok, error) -> {
            leading.set(false);
            // only the current term re-runs: a stop() (and a later start()) ends this line of electors
            if (started.get() && terms.get() == term) {
                CompletableFuture.runAsync(() -> {
                    if (terms.get() == term) elect(identity, ns);
                }, CompletableFuture.delayedExecutor(2, TimeUnit.SECONDS));
            }
        });
    }

    /** Stop judging; waits (a few seconds at most) for ticks in flight, so none writes after the Lease is released. */
    public synchronized void stop() {
        terms.incrementAndGet();
        started.set(false);
        leading.set(false);
        Instant deadline = clock.instant().plusSeconds(15);
        while (!inFlight.isEmpty() && clock.instant().isBefore(deadline)) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (election != null) election.cancel(true);
        watches.stop();
    }

    /** When the scheduler last woke the engine; null before it started. */
    public Instant lastHeartbeat() {
        return lastHeartbeat;
    }

    public boolean started() {
        return started.get();
    }

    public boolean leading() {
        return started.get() && leading.get();
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
        if (!leading.get()) {
            due.clear(); // a replica that leads again ticks at once, and its ticks' lag counts from then
            return;
        }
        for (Policy p : policies.active()) {
            Instant dueAt = due.get(p.key());
            if ((dueAt != null && now.isBefore(dueAt)) || !inFlight.add(p.key())) continue;
            due.put(p.key(), now.plus(p.interval()));
            workers.execute(() -> runTick(p, dueAt));
        }
    }

    /** @param dueAt when the tick was due; null for a policy's first tick here, which has no schedule to be late on */
    private void runTick(Policy p, Instant dueAt) {
        long start = System.nanoTime();
        String result = null;
        try {
            if (!leading()) return; // stopped or lost the Lease since the tick was queued
            if (dueAt != null) telemetry.tickLate(Duration.between(dueAt, clock.instant()));
            controller.tick(p);
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
            if (result != null) telemetry.ticked(Duration.ofNanos(System.nanoTime() - start), result);
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
