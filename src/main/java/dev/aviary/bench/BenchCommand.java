package dev.aviary.bench;

import dev.aviary.daemon.Engine;
import dev.aviary.telemetry.Telemetry;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import picocli.CommandLine;

/**
 * {@code aviary bench}: the daemon's own engine, controller, watch caches and batched Prometheus queries, driving N
 * rollouts on a mock API server against a real Prometheus for a few minutes of ticks; prints what the ticks cost.
 */
@CommandLine.Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure one replica at scale: N policies with the tutorial's objects on a mock Kubernetes API, a mesh"
                + " exporting Istio's series for each, a real Prometheus, and the Aviary daemon ticking them. Prints tick"
                + " duration and lag (p50, p99), heap after GC, RSS, Kubernetes API requests and PromQL queries per tick.",
            "Left out: the start of every rollout (a fresh replica's burst of writes, timed as startWaveSeconds) and a warm-up"
                + " after it (--warmup, two intervals by default)."})
public class BenchCommand implements Callable<Integer> {

    static final String API_SERVER_PROPERTY = "aviary-bench.api-server";
    static final String QUERY_LOG_PROPERTY = "aviary-bench.query-log";
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(30);
    /** A replica that cannot start every rollout in this long is measured as it is (the report says how many started). */
    private static final Duration START_WAVE_LIMIT = Duration.ofMinutes(4);

    @CommandLine.Mixin
    BenchOptions options;

    private final Engine engine;
    private final Telemetry telemetry;
    private final KubernetesClient client;
    private final Optional<String> apiServer;
    private final Optional<String> queryLog;

    public BenchCommand(Engine engine, Telemetry telemetry, KubernetesClient client,
            @ConfigProperty(name = API_SERVER_PROPERTY) Optional<String> apiServer,
            @ConfigProperty(name = QUERY_LOG_PROPERTY) Optional<String> queryLog) {
        this.engine = engine;
        this.telemetry = telemetry;
        this.client = client;
        this.apiServer = apiServer;
        this.queryLog = queryLog;
    }

    @Override
    public Integer call() throws InterruptedException, IOException {
        String problem = options.problem();
        if (problem != null) {
            System.err.println("aviary bench: " + problem);
            return 2;
        }
        if (apiServer.isEmpty() || queryLog.isEmpty() || !trim(apiServer.get()).equals(trim(client.getMasterUrl().toString()))) {
            System.err.println("aviary bench: the benchmark's cluster did not start, so nothing was run");
            return 2;
        }
        BenchReport report = run();
        System.out.println(options.json ? report.json() : "Aviary bench (measured after every rollout started and "
                + options.warmup().toSeconds() + " s of warm-up):\n" + report.table());
        return 0;
    }

    private BenchReport run() throws InterruptedException, IOException {
        BenchFleet fleet = options.fleet();
        Set<String> broken = new HashSet<>();
        for (int i = 0; i < fleet.rollouts(); i++) if (fleet.broken(i)) broken.add(fleet.key(i));
        TickStats stats = new TickStats(broken);
        QueryLog queries = new QueryLog(Path.of(queryLog.get()));
        double heapBefore = ProcessFigures.heapAfterGcMb();
        double loadStart = ProcessFigures.loadAverage();
        engine.watchTicks(stats);
        telemetry.watchKubernetesRequests(stats);
        BenchCommands.progress(String.format("ticking %d rollouts every %d s: once all have started, %d s of warm-up, then %d s measured",
                fleet.rollouts(), options.interval.toSeconds(), options.warmup().toSeconds(), options.duration.toSeconds()));
        engine.start();
        long begun = System.nanoTime();
        List<TickStats.Tick> ticks;
        long from, to, windowNanos;
        double heapAfter, rss, startWave, skippedInWindow;
        try {
            startWave = awaitStart(stats, fleet.rollouts(), begun);
            Thread.sleep(options.warmup().toMillis());
            from = queries.mark();
            double skippedBefore = skipped();
            long start = System.nanoTime();
            stats.open();
            long end = start + options.duration.toNanos();
            while (System.nanoTime() < end) {
                Thread.sleep(Math.min(PROGRESS_EVERY.toMillis(), Math.max(1, (end - System.nanoTime()) / 1_000_000)));
                if (System.nanoTime() < end) BenchCommands.progress(String.format("%.0f s measured", (System.nanoTime() - start) / 1e9));
            }
            ticks = stats.close();
            windowNanos = System.nanoTime() - start;
            skippedInWindow = skipped() - skippedBefore;
            to = queries.mark();
            // while the daemon still holds what it holds at work: its caches, its rollouts' state
            heapAfter = ProcessFigures.heapAfterGcMb();
            rss = ProcessFigures.statusMb("VmRSS");
        } finally {
            engine.stop();
            engine.watchTicks(null);
        }
        BenchReport.Window window = new BenchReport.Window(options, startWave, stats.started(), (long) skippedInWindow,
                Duration.ofNanos(windowNanos), ticks, stats, queries.between(from, to));
        return BenchReport.of(window, new BenchReport.Memory(heapBefore, heapAfter, rss, ProcessFigures.statusMb("VmHWM"), loadStart,
                ProcessFigures.loadAverage()));
    }

    /**
     * Waits until every rollout has had its first tick (a fresh replica starts them all: a burst of writes, not the
     * steady state), or {@link #START_WAVE_LIMIT}; returns the seconds it took, or -1 when not all started.
     */
    private static double awaitStart(TickStats stats, int rollouts, long begun) throws InterruptedException {
        long nextProgress = System.nanoTime() + PROGRESS_EVERY.toNanos();
        while (stats.started() < rollouts) {
            if (System.nanoTime() - begun > START_WAVE_LIMIT.toNanos()) {
                BenchCommands.progress("only " + stats.started() + " of " + rollouts + " rollouts started within "
                        + START_WAVE_LIMIT.toMinutes() + " min; measuring anyway");
                return -1;
            }
            Thread.sleep(200);
            if (System.nanoTime() > nextProgress) {
                nextProgress = System.nanoTime() + PROGRESS_EVERY.toNanos();
                BenchCommands.progress(stats.started() + " of " + rollouts + " rollouts started");
            }
        }
        double seconds = (System.nanoTime() - begun) / 1e9;
        BenchCommands.progress(String.format("every rollout started after %.0f s", seconds));
        return seconds;
    }

    /** Due ticks the engine skipped so far (the last still running, or the queue full): Aviary's own counter. */
    private double skipped() {
        return telemetry.registry().scrape().stream().filter(m -> m.getMetadata().getName().equals("aviary_ticks_skipped"))
                .flatMap(m -> m.getDataPoints().stream())
                .mapToDouble(d -> ((io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot) d).getValue()).sum();
    }

    private static String trim(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
