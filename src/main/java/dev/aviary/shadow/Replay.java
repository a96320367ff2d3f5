package dev.aviary.shadow;

import dev.aviary.analysis.Observation;
import dev.aviary.policy.Durations;
import dev.aviary.shadow.compare.Comparators;
import dev.aviary.traffic.ArmEndpoints;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jboss.logging.Logger;

/**
 * One replay session (one policy's check): sends stored requests to both arms at once and pairs their answers.
 *
 * <p>Payloads are drawn uniformly with replacement from a seeded {@link Random}, so the pairs are i.i.d. draws from
 * the payload set, as the anytime-valid agreement check assumes. Replays start at most {@code rate} per second (each
 * at least 1/rate after the one before, so no burst follows a stall), with at most {@code concurrency} requests in
 * flight per arm: when an arm is slow the schedule waits for it rather than piling requests on. Each request times
 * out after {@code timeout}. Endpoint failures are counted and the session carries on; nothing is thrown to the
 * caller. Its threads are daemon threads; {@link #close()} stops it (answers still in flight are dropped).
 */
public final class Replay implements AutoCloseable {

    /** Replays kept for the windows asked about; beyond this the oldest are dropped (at 100/s: over 16 minutes). */
    public static final int HISTORY_CAP = 100_000;

    private static final Logger LOG = Logger.getLogger(Replay.class);

    private final String name;
    private final ArmEndpoints endpoints;
    private final List<Payload> payloads;
    private final ReplaySpec spec;
    private final PredictionComparator comparator;
    private final Clock clock;
    private final Random random;
    private final ArmCall call;
    private final Semaphore baselineSlots;
    private final Semaphore canarySlots;
    private final ReplayHistory history;
    private final Instant started;
    private final Thread loop;
    private volatile boolean closed;

    /**
     * @param name names the session in logs, e.g. "payments/fraud-detection agreement"
     */
    public Replay(String name, ArmEndpoints endpoints, List<Payload> payloads, PredictionProtocol protocol, ReplaySpec spec,
            long seed, Clock clock) {
        if (payloads.isEmpty()) throw new IllegalArgumentException("no payloads to replay");
        if (!(spec.rate() > 0) || spec.concurrency() < 1) {
            throw new IllegalArgumentException("rate must be > 0 and concurrency >= 1, not " + spec.rate() + " and " + spec.concurrency());
        }
        this.name = name;
        this.endpoints = endpoints;
        this.payloads = List.copyOf(payloads);
        this.spec = spec;
        this.comparator = Comparators.of(spec.compare() == null ? CompareSpec.TOP1 : spec.compare());
        this.clock = clock;
        this.random = new Random(seed);
        // idle threads end after a minute, so a closed session's pool goes away by itself once its last answer is in
        ExecutorService pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "replay-http");
            t.setDaemon(true);
            return t;
        });
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(spec.timeout())
                .followRedirects(HttpClient.Redirect.NEVER).executor(pool).build();
        this.call = new ArmCall(http, protocol, spec.protocol(), spec.timeout());
        this.baselineSlots = new Semaphore(spec.concurrency());
        this.canarySlots = new Semaphore(spec.concurrency());
        this.history = new ReplayHistory(HISTORY_CAP);
        this.started = clock.instant();
        this.loop = new Thread(this::run, "replay " + name);
        loop.setDaemon(true);
    }

    public Replay start() {
        LOG.infof("replay %s: %d payloads, at most %s/s and %d in flight per arm, %s timeout; baseline %s, canary %s (%s)", name,
                payloads.size(), spec.rate(), spec.concurrency(), Durations.format(spec.timeout()),
                Urls.printable(endpoints.baseline().url()), Urls.printable(endpoints.canary().url()), endpoints.how());
        loop.start();
        return this;
    }

    /** The endpoints this session replays to. */
    public ArmEndpoints endpoints() {
        return endpoints;
    }

    /** When the session started, by its clock. */
    public Instant started() {
        return started;
    }

    /** Pairs and failures of the replays completed since {@code since}; null when none has completed. */
    public Observation.Pairs pairs(Instant since) {
        return history.pairs(since);
    }

    /** What each arm predicted in the replays completed since {@code since}; null when none has completed. */
    public Observation.Predictions predictions(Instant since) {
        return history.predictions(since);
    }

    public boolean running() {
        return !closed && loop.isAlive();
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        loop.interrupt();
        LOG.infof("replay %s stopped", name);
    }

    private void run() {
        long period = Math.max(1, Math.round(1e9 / spec.rate()));
        long next = System.nanoTime();
        long unexpected = 0;
        while (!closed) {
            for (long wait = next - System.nanoTime(); wait > 0 && !closed; wait = next - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            try {
                baselineSlots.acquire();
                try {
                    canarySlots.acquire();
                } catch (InterruptedException e) {
                    baselineSlots.release();
                    throw e;
                }
            } catch (InterruptedException e) {
                break; // closed
            }
            if (closed) break;
            next = System.nanoTime() + period;
            try {
                replay(payloads.get(random.nextInt(payloads.size())));
            } catch (RuntimeException e) {
                // the replay's own bug, not an endpoint's: say it (once in a while), free the slots and go on at the rate
                if (unexpected++ % 100 == 0) LOG.warnf("replay %s: unexpected %s (%d so far)", name, e.getClass().getSimpleName(), unexpected);
                baselineSlots.release();
                canarySlots.release();
            }
        }
    }

    /** One payload to both arms; the slots taken for it are given back as each arm's answer comes in. */
    private void replay(Payload payload) {
        PredictionProtocol.HttpCall toBaseline;
        PredictionProtocol.HttpCall toCanary;
        try {
            toBaseline = call.request(endpoints.baseline(), payload);
            toCanary = call.request(endpoints.canary(), payload);
        } catch (ReplayException.BadPayload e) {
            String why = "payload " + payload.origin() + ": " + e.getMessage();
            record(ReplayHistory.Replayed.failed(clock.instant(), why, why));
            baselineSlots.release();
            canarySlots.release();
            return;
        }
        CompletableFuture<ArmAnswer> baseline = call.send(endpoints.baseline(), toBaseline).whenComplete((a, e) -> baselineSlots.release());
        CompletableFuture<ArmAnswer> canary = call.send(endpoints.canary(), toCanary).whenComplete((a, e) -> canarySlots.release());
        baseline.thenCombine(canary, (b, c) -> ReplayHistory.Replayed.of(clock.instant(), b, c, comparator))
                // a comparator's bug is still a replay that produced no pair, counted, never lost
                .exceptionally(e -> ReplayHistory.Replayed.failed(clock.instant(), null, "the answers could not be compared ("
                        + (e.getCause() == null ? e : e.getCause()).getClass().getSimpleName() + ")"))
                .thenAccept(this::record);
    }

    private void record(ReplayHistory.Replayed replayed) {
        if (!closed) history.add(replayed);
    }
}
