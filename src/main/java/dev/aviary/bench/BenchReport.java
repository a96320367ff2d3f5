package dev.aviary.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.aviary.rollout.Decision;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** The benchmark's figures, in the order they are printed: as a table, or as one JSON object. */
record BenchReport(Map<String, Object> figures) {

    /** A HOLD tick counts as settled once its step has run this long (four of Prometheus' scrapes). */
    static final Duration SETTLED = Duration.ofMinutes(1);

    /** What was measured in the window (the run after its warm-up). */
    record Window(BenchOptions options, double startWaveSeconds, int rolloutsStarted, long ticksSkipped, Duration length, List<TickStats.Tick> ticks, TickStats stats, QueryLog.Counts queries) {}

    /** The process's memory and the machine's load. */
    record Memory(double heapBeforeDaemonMb, double heapAfterGcMb, double rssMb, double rssPeakMb, double loadStart, double loadEnd) {}

    static BenchReport of(Window w, Memory m) {
        Map<String, Object> f = new LinkedHashMap<>();
        BenchOptions o = w.options();
        double seconds = w.length().toMillis() / 1000.0;
        List<TickStats.Tick> ticks = w.ticks();
        long holds = ticks.stream().filter(t -> t.decision() == Decision.HOLD).count();
        f.put("rollouts", o.rollouts);
        f.put("brokenRollouts", o.broken);
        f.put("intervalSeconds", o.interval.toMillis() / 1000.0);
        f.put("startWaveSeconds", round(w.startWaveSeconds()));
        f.put("rolloutsStarted", w.rolloutsStarted());
        f.put("warmupSecondsExcluded", o.warmup().toMillis() / 1000.0);
        f.put("windowSeconds", round(seconds));
        f.put("cpuCores", Runtime.getRuntime().availableProcessors());
        f.put("loadAverageStart", round(m.loadStart()));
        f.put("loadAverageEnd", round(m.loadEnd()));
        f.put("rolloutTicks", ticks.size());
        f.put("holdTicks", holds);
        f.put("decisions", decisions(ticks));
        f.put("ticksPerSecond", round(ticks.size() / seconds));
        f.put("ticksSkipped", w.ticksSkipped());
        f.put("ticksPerRolloutPerInterval", round(ticks.size() / (double) o.rollouts / (seconds / (o.interval.toMillis() / 1000.0))));
        f.put("tickP50Ms", ms(w.ticks(), t -> true, 0.5, false));
        f.put("tickP99Ms", ms(w.ticks(), t -> true, 0.99, false));
        f.put("tickMaxMs", ms(w.ticks(), t -> true, 1, false));
        f.put("tickLagP50Ms", ms(w.ticks(), t -> true, 0.5, true));
        f.put("tickLagP99Ms", ms(w.ticks(), t -> true, 0.99, true));
        if (o.broken > 0) {
            f.put("healthyTickP99Ms", ms(w.ticks(), t -> !w.stats().broken(t.rollout()), 0.99, false));
            f.put("brokenTickP99Ms", ms(w.ticks(), t -> w.stats().broken(t.rollout()), 0.99, false));
        }
        f.put("heapBeforeDaemonMb", round(m.heapBeforeDaemonMb()));
        f.put("heapAfterGcMb", round(m.heapAfterGcMb()));
        f.put("rssMb", round(m.rssMb()));
        f.put("rssPeakMb", round(m.rssPeakMb()));
        long holdRequests = ticks.stream().filter(t -> t.decision() == Decision.HOLD).mapToLong(TickStats.Tick::requests).sum();
        f.put("apiRequestsPerRolloutTick", round4(w.stats().tickRequests() / (double) Math.max(1, ticks.size())));
        f.put("apiRequestsPerHoldTick", round4(holdRequests / (double) Math.max(1, holds)));
        // in a step's first minute Prometheus (scraping every 15 s) may not hold the step's first requests yet: a tick
        // records that no data came (noDataSince) and a later one that it did, each a status write
        Predicate<TickStats.Tick> settled = t -> t.decision() == Decision.HOLD && t.stepAgeMillis() >= SETTLED.toMillis();
        long settledHolds = ticks.stream().filter(settled).count();
        f.put("settledHoldTicks", settledHolds);
        f.put("apiRequestsPerSettledHoldTick", round4(ticks.stream().filter(settled).mapToLong(TickStats.Tick::requests).sum()
                / (double) Math.max(1, settledHolds)));
        f.put("apiRequestsOutsideTicks", w.stats().requests() - w.stats().tickRequests());
        f.put("apiRequestsPerSecond", round(w.stats().requests() / seconds));
        f.put("apiRequestsByVerb", w.stats().requestsByVerb());
        QueryLog.Counts q = w.queries();
        f.put("promqlQueriesPerTick", round4(q.total() / (double) Math.max(1, ticks.size())));
        f.put("promqlQueriesPerSecond", round(q.total() / seconds));
        Map<String, Double> perSecond = new LinkedHashMap<>();
        q.byFamily().forEach((k, n) -> perSecond.put(k, round(n / seconds)));
        f.put("promqlQueriesPerSecondByFamily", perSecond);
        f.put("prometheusEvalSecondsPerSecond", round4(q.evalSeconds() / seconds));
        return new BenchReport(f);
    }

    String json() {
        try {
            return new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(figures);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // numbers, strings and maps of them always serialise
        }
    }

    String table() {
        StringBuilder s = new StringBuilder();
        figures.forEach((k, v) -> s.append(String.format("  %-34s %s%n", k, v)));
        return s.toString();
    }

    private static Map<String, Long> decisions(List<TickStats.Tick> ticks) {
        Map<Decision, Long> by = new EnumMap<>(Decision.class);
        long failed = 0;
        for (TickStats.Tick t : ticks) {
            if (t.decision() == null) failed++;
            else by.merge(t.decision(), 1L, Long::sum);
        }
        Map<String, Long> out = new LinkedHashMap<>();
        by.forEach((d, n) -> out.put(d.name(), n));
        if (failed > 0) out.put("failed", failed);
        return out;
    }

    private static double ms(List<TickStats.Tick> ticks, Predicate<TickStats.Tick> which, double q, boolean lag) {
        List<Long> values = ticks.stream().filter(which).map(t -> lag ? t.lagNanos() : t.tookNanos()).toList();
        return round(TickStats.quantile(values, q) / 1e6);
    }

    private static double round(double d) {
        return Math.round(d * 100) / 100.0;
    }

    private static double round4(double d) {
        return Math.round(d * 10000) / 10000.0;
    }
}
