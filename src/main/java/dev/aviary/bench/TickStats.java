package dev.aviary.bench;

import dev.aviary.daemon.TickWatch;
import dev.aviary.rollout.Decision;
import dev.aviary.rollout.RolloutController;
import dev.aviary.telemetry.Telemetry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the engine's ticks cost, heard from the engine itself ({@link TickWatch}) and the application's Kubernetes client
 * ({@link Telemetry.RequestWatch}): each tick's lag and duration, what it decided, and the API requests it sent. A tick's
 * requests are the ones its worker thread sent while it ran (fabric8 runs interceptors on the sending thread); the
 * requests of other threads (the watch caches' lists and watches, the notification outbox's Events) are counted apart.
 * Only ticks that end while the window is open count: the warm-up before {@link #open()} is left out.
 */
final class TickStats implements TickWatch, Telemetry.RequestWatch {

    /**
     * One tick: its rollout, timing, decision (null: it failed), its requests, and how long its step had run (-1:
     * unknown).
     */
    record Tick(String rollout, long lagNanos, long tookNanos, Decision decision, int requests, long stepAgeMillis) {}

    private final Set<String> broken;
    private final ThreadLocal<int[]> sentHere = ThreadLocal.withInitial(() -> new int[1]);
    private final List<Tick> ticks = Collections.synchronizedList(new ArrayList<>());
    private final LongAdder requests = new LongAdder();
    private final LongAdder tickRequests = new LongAdder();
    private final Map<String, LongAdder> byVerb = new ConcurrentHashMap<>();
    private final Set<String> ticked = ConcurrentHashMap.newKeySet();
    private volatile boolean open;

    /** @param broken the rollouts whose policy has a broken query (their ticks are told apart) */
    TickStats(Set<String> broken) {
        this.broken = Set.copyOf(broken);
    }

    /** Start counting: everything before is warm-up. */
    void open() {
        open = true;
    }

    /** Stop counting; returns the ticks heard while open. */
    List<Tick> close() {
        open = false;
        synchronized (ticks) {
            return List.copyOf(ticks);
        }
    }

    @Override
    public void sending(String verb, String resource) {
        sentHere.get()[0]++;
        if (!open) return;
        requests.increment();
        byVerb.computeIfAbsent(verb + " " + resource, k -> new LongAdder()).increment();
    }

    @Override
    public void ticked(String rollout, Duration lag, Duration took, RolloutController.TickResult result) {
        int[] sent = sentHere.get();
        int n = sent[0];
        sent[0] = 0;
        if (result != null) ticked.add(rollout);
        if (!open) return;
        tickRequests.add(n);
        ticks.add(new Tick(rollout, lag.toNanos(), took.toNanos(), result == null ? null : result.decision(), n, stepAge(result)));
    }

    private static long stepAge(RolloutController.TickResult result) {
        if (result == null || result.status() == null || result.status().stepStartedAt() == null) return -1;
        try {
            return Duration.between(java.time.Instant.parse(result.status().stepStartedAt()), java.time.Instant.now()).toMillis();
        } catch (java.time.format.DateTimeParseException e) {
            return -1;
        }
    }

    /** How many rollouts have had a tick that decided (the first creates the CanaryRollout and starts the rollout). */
    int started() {
        return ticked.size();
    }

    boolean broken(String rollout) {
        return broken.contains(rollout);
    }

    /** Every request sent while open, by any thread. */
    long requests() {
        return requests.sum();
    }

    /** The requests sent by ticks while open. */
    long tickRequests() {
        return tickRequests.sum();
    }

    /** Requests while open by "verb resource", most first. */
    Map<String, Long> requestsByVerb() {
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        byVerb.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue().sum(), a.getValue().sum()))
                .forEach(e -> out.put(e.getKey(), e.getValue().sum()));
        return out;
    }

    /** The q-quantile (0..1) of the values, nearest rank; 0 without values. */
    static double quantile(List<Long> values, double q) {
        if (values.isEmpty()) return 0;
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(q * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }
}
