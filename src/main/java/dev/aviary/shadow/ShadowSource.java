package dev.aviary.shadow;

import dev.aviary.analysis.Observation;
import dev.aviary.metrics.Measure;
import dev.aviary.metrics.Measures;
import dev.aviary.metrics.MetricSource;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Durations;
import dev.aviary.policy.Policy;
import dev.aviary.policy.Target;
import dev.aviary.traffic.ArmEndpoints;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.RoutedTarget;
import dev.aviary.traffic.TargetException;
import dev.aviary.traffic.TrafficRouters;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The replay shadow source: for a check whose measure is a {@link ReplayMeasure}, keeps a {@link Replay} session
 * running per policy and check against the arms (the policy's endpoints, else the ones the target's router derives),
 * and answers with the pairs (or predictions) of the replays completed in the window asked about.
 *
 * <p>A session starts the first time its check is asked about, restarts when its spec or its endpoints change, and
 * stops when it has not been asked about for {@value #IDLE_INTERVALS} of its policy's intervals, and at least
 * {@link #MIN_IDLE} (the rollout ended,
 * or the check or policy went away). It never throws: what it cannot do is an {@link Observation.Missing} saying why.
 * Request counts ({@link #requests}) are not its business: the metrics' source answers those.
 */
public final class ShadowSource implements MetricSource, AutoCloseable {

    /** How many of its policy's intervals a session runs on without being asked about. */
    public static final int IDLE_INTERVALS = 3;
    /**
     * The least time a session runs on unasked: a step waiting for its target to settle (KServe reporting a new split)
     * asks nothing, and a session stopped then would be restarted at the next look.
     */
    public static final Duration MIN_IDLE = Duration.ofMinutes(2);

    private final Measures measures;
    private final TrafficRouters routers;
    private final StoredRequests stored;
    private final Map<String, PredictionProtocol> protocols = new LinkedHashMap<>();
    private final Clock clock;
    /** Mixed into each session's seed, so two sessions never draw the same sequence. */
    private long sessionsStarted;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final ScheduledExecutorService reaper;

    /** A running replay, what it was started for, and when it was last asked about. */
    private static final class Session {
        final Replay replay;
        final ReplaySpec spec;
        volatile Instant asked;
        volatile Duration idleAfter;

        Session(Replay replay, ReplaySpec spec, Instant asked, Duration idleAfter) {
            this.replay = replay;
            this.spec = spec;
            this.asked = asked;
            this.idleAfter = idleAfter;
        }
    }

    public ShadowSource(Measures measures, TrafficRouters routers, StoredRequests stored, List<PredictionProtocol> protocols, Clock clock) {
        this.measures = measures;
        this.routers = routers;
        this.stored = stored;
        protocols.forEach(p -> this.protocols.put(p.name(), p));
        this.clock = clock;
        this.reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "replay-reaper");
            t.setDaemon(true);
            return t;
        });
        reaper.scheduleWithFixedDelay(this::stopIdleQuietly, 5, 5, TimeUnit.SECONDS);
    }

    @Override
    public Observation observe(Policy policy, CheckSpec check, ArmLabels arms, Duration window) {
        try {
            Measure measure = measures.of(check);
            if (!(measure instanceof ReplayMeasure replay)) {
                return new Observation.Missing("check " + check.name() + " does not replay stored requests; the shadow source has nothing for it");
            }
            return observe(policy, replay, arms, window);
        } catch (RuntimeException e) {
            // a bug of ours must not stop the tick: the check holds with NO_DATA and says so
            return new Observation.Missing("the replay failed unexpectedly (" + e.getClass().getSimpleName() + ")");
        }
    }

    @Override
    public Observation requests(Policy policy, ArmLabels arms, Duration window) {
        return new Observation.Missing("the shadow source does not count requests");
    }

    private Observation observe(Policy policy, ReplayMeasure measure, ArmLabels arms, Duration window) {
        Instant now = clock.instant();
        stopIdle(now);
        String key = policy.key() + " " + measure.check();
        ReplaySpec spec = measure.spec();
        ArmEndpoints endpoints;
        try {
            endpoints = spec.endpoints() != null ? spec.endpoints() : derived(policy, arms);
        } catch (TargetException e) {
            return new Observation.Missing("endpoints unknown: " + e.getMessage());
        }
        Duration idleAfter = max(policy.interval().multipliedBy(IDLE_INTERVALS), MIN_IDLE);
        Session session = sessions.get(key);
        if (session == null || !session.spec.equals(spec) || !sameArms(session.replay.endpoints(), endpoints)) {
            String why = session == null ? "replay started" : session.spec.equals(spec) ? "replay restarted: the endpoints changed"
                    : "replay restarted: the check's replay settings changed";
            Observation.Missing failed = start(key, policy, spec, endpoints, idleAfter, now);
            return failed != null ? failed : new Observation.Missing(why + "; no pairs yet");
        }
        session.asked = now;
        session.idleAfter = idleAfter;
        Instant since = now.minus(window);
        Observation o = measure.predictions() ? session.replay.predictions(since) : session.replay.pairs(since);
        if (o != null) return o;
        Duration running = Duration.between(session.replay.started(), now);
        return new Observation.Missing("replay started " + Durations.format(running.withNanos(0)) + " ago; no pairs yet");
    }

    /** (Re)start the session of {@code key}; the reason when it cannot run, null when it does. */
    private synchronized Observation.Missing start(String key, Policy policy, ReplaySpec spec, ArmEndpoints endpoints,
            Duration idleAfter, Instant now) {
        PredictionProtocol protocol = protocols.get(spec.protocol().protocol());
        if (protocol == null) {
            return new Observation.Missing("protocol " + spec.protocol().protocol() + " is not in this build of Aviary (it has "
                    + String.join(", ", protocols.keySet()) + ")");
        }
        List<Payload> payloads;
        try {
            payloads = stored.load(policy, spec.payloads());
        } catch (Payloads.PayloadException e) {
            stop(key);
            return new Observation.Missing("payloads: " + e.getMessage());
        }
        stop(key);
        // A fresh seed per session: the judge pools pairs across steps, sessions and daemon restarts, and a restarted
        // session replaying the same sequence of draws would count the same answers twice (no longer independent).
        long seed = Objects.hash(key, spec, endpoints.baseline(), endpoints.canary(), now, ++sessionsStarted);
        Replay replay = new Replay(key, endpoints, payloads, protocol, spec, seed, clock).start();
        sessions.put(key, new Session(replay, spec, now, idleAfter));
        return null;
    }

    /** The arms as the target's router can reach them (e.g. Istio's header-pinned routes, KServe's predictor Services). */
    private ArmEndpoints derived(Policy policy, ArmLabels arms) throws TargetException {
        Optional<RoutedTarget<?>> routed = routers.route(policy.target(), policy.namespace());
        if (routed.isEmpty()) {
            throw new TargetException.Invalid("no traffic router for " + policy.target().describe()
                    + " in this version of Aviary; name the arms in source.replay.endpoints");
        }
        return endpoints(routed.get(), arms);
    }

    private static <T extends Target> ArmEndpoints endpoints(RoutedTarget<T> routed, ArmLabels arms) throws TargetException {
        return routed.router().endpoints(routed.target(), routed.namespace(), arms);
    }

    /** The same arms: URLs and pinning headers; how they were found is only words. */
    private static boolean sameArms(ArmEndpoints a, ArmEndpoints b) {
        return a.baseline().equals(b.baseline()) && a.canary().equals(b.canary());
    }

    /** Stop every session not asked about for {@value #IDLE_INTERVALS} of its policy's intervals. */
    public void stopIdle(Instant now) {
        sessions.forEach((key, s) -> {
            if (now.isAfter(s.asked.plus(s.idleAfter))) stop(key);
        });
    }

    private void stopIdleQuietly() {
        try {
            stopIdle(clock.instant());
        } catch (RuntimeException e) {
            // the reaper must keep running; the next round tries again
        }
    }

    private void stop(String key) {
        Session s = sessions.remove(key);
        if (s != null) s.replay.close();
    }

    /** The sessions running now, "namespace/policy check" each. */
    public Set<String> running() {
        return Set.copyOf(sessions.keySet());
    }

    /** Stops every session. */
    @Override
    public void close() {
        reaper.shutdownNow();
        sessions.keySet().forEach(this::stop);
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
