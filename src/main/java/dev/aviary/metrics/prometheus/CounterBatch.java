package dev.aviary.metrics.prometheus;

import dev.aviary.analysis.Observation;
import dev.aviary.metrics.Measure;
import dev.aviary.metrics.RequestMetrics;
import dev.aviary.traffic.ArmLabels;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A mesh's request telemetry read for every rollout at once: one instant query per metric family and grouping per
 * second, {@code sum by (namespace, service, arm, code|le) (counter)}, answers every rollout that reads that family in
 * that second; each rollout takes its own series from it.
 *
 * <p>Why cumulative counters and not {@code increase(x[window])}: a rollout's window is the time since its own step
 * began, so no two rollouts share a range selector and {@code increase()} cannot be batched. The current cumulative
 * counters can, and a rollout's count over its step is their difference from the same series at the step's start,
 * read once per step (queries narrowed to the rollout, see {@link #startOf}), kept in memory and simply read again
 * after a restart. The start's value is interpolated between the scrapes either side of it, so the previous split's
 * requests are not counted, where {@code increase()} extrapolates to the window's edges.
 *
 * <p>A sum of counters hides which pod restarted: when a rollout's series is lower than at the step's start (a counter
 * reset, a pod gone stale) the difference is wrong, so {@link #measure} answers null and that rollout reads its own
 * {@code increase()} queries ({@link PromReading}) for the rest of the step. A reset hidden by other pods' growth
 * undercounts by at most that pod's count before it restarted, until the next step.
 *
 * <p>A failed batch query is NO_DATA for the rollouts that read it in that second and is asked again in the next:
 * its cached answer lives one second only.
 */
final class CounterBatch {

    /** A {@code label op "value"} matcher, as {@link RequestMetrics#failed()} is written. */
    private static final Pattern MATCHER = Pattern.compile("^\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|=|!=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*$");
    /**
     * The oldest batch answer a rollout reads (and never one older than half its interval): the counters move once a
     * scrape interval (15 s to 30 s in most clusters), so a 5 s old answer is as good, and a replica of a thousand
     * rollouts sends a family's query every 5 s instead of every second, each evaluated over all of its series.
     */
    private static final Duration MAX_AGE = Duration.ofSeconds(5);
    /** Starts remembered per rollout, grouping and purpose: the current step's and the last one's. */
    private static final int STARTS_KEPT = 2;
    /** A live series is scraped within this after a step began (scrape intervals are 1 s to 30 s, short outages less). */
    private static final Duration SETTLE = Duration.ofSeconds(60);
    /** How far before a step's start its series' last samples are looked for (a scrape interval or an outage). */
    private static final Duration LOOKBACK = Duration.ofMinutes(2);
    /** A rollout that has not read a grouping for this long is out of its query (deleted, or driven elsewhere now). */
    private static final Duration FORGET = Duration.ofMinutes(3);

    private final PrometheusClient prometheus;
    private final Clock clock;
    private final Map<Grouping, Fetch> latest = new ConcurrentHashMap<>();
    private final Map<Grouping, Map<String, Asker>> askers = new ConcurrentHashMap<>();
    private final Map<String, Deque<StepStart>> starts = new ConcurrentHashMap<>();

    CounterBatch(PrometheusClient prometheus, Clock clock) {
        this.prometheus = prometheus;
        this.clock = clock;
    }

    /** One family query's answer, evaluated when the second's first rollout asked, shared by the others of that second. */
    private record Fetch(Instant at, Scope scope, CompletableFuture<List<PrometheusClient.Sample>> answer) {

        /**
         * Whether a rollout may read this answer: asked after the newest sample its step's start rests on, and younger
         * than half its interval (at most {@link #MAX_AGE}); a failed answer only within the second it failed in.
         */
        boolean serves(Instant now, Instant notBefore, Duration interval) {
            Duration age = Duration.between(at, now);
            Duration max = interval.dividedBy(2).compareTo(MAX_AGE) < 0 ? interval.dividedBy(2) : MAX_AGE;
            if (answer.isCompletedExceptionally()) return at.getEpochSecond() == now.getEpochSecond();
            return !at.isBefore(notBefore) && (age.compareTo(max) < 0 || at.getEpochSecond() == now.getEpochSecond());
        }
    }

    /**
     * Whose start: the checks count from the step's start, the sample-ratio guard from an interval later (after the
     * mesh took up the new weights). Remembered apart: a start is matched within half an interval, because each
     * reader derives it from its window and the clock a moment later, and an interval may be shorter than that.
     */
    private enum Purpose { CHECKS, GUARD }

    /** A rollout's counters at a start, and whether a reset was seen since (then its own queries for good). */
    private static final class StepStart {
        final ArmLabels arms;
        final Instant at;
        final Map<List<String>, Double> values;
        /** The newest sample the values rest on: a batch answer read before it would count less than the start. */
        final Instant readUpTo;
        volatile boolean reset;

        StepStart(ArmLabels arms, Instant at, Map<List<String>, Double> values, Instant readUpTo) {
            this.arms = arms;
            this.at = at;
            this.values = values;
            this.readUpTo = readUpTo;
        }

        /** Within half an interval: two starts of one purpose are at least an interval apart (a step lasts a tick). */
        boolean is(ArmLabels arms, Instant start, Duration interval) {
            return this.arms.equals(arms) && Duration.between(at, start).abs().compareTo(interval.dividedBy(2)) <= 0;
        }
    }

    /** Which series a batch groups by: the family, the arm label the rollout uses, and one more label (code or le). */
    private record Grouping(RequestMetrics family, String armLabel, String by) {

        String query(String selector) {
            return "sum by (" + family.namespaceLabel() + ", " + family.serviceLabel() + ", " + armLabel + ", " + by + ") ("
                    + series(selector) + ")";
        }

        /** The raw series, each pod's and peer's. */
        String series(String selector) {
            return (by.equals("le") ? family.durationBucket() : family.requests()) + (selector.isEmpty() ? "" : "{" + selector + "}");
        }

        List<String> key(Map<String, String> labels) {
            return List.of(labels.getOrDefault(family.namespaceLabel(), ""), labels.getOrDefault(family.serviceLabel(), ""),
                    labels.getOrDefault(armLabel, ""), labels.getOrDefault(by, ""));
        }
    }

    /**
     * The measure over the step since {@code start} from the batched counters; null when it cannot be batched (not a
     * request measure, a failed-request matcher this cannot evaluate, or a counter reset this step): read it per rollout.
     */
    Observation measure(PromReading r, Measure m, Instant start) throws PrometheusException {
        if (m instanceof Measure.Errors) return errors(r, start);
        if (m instanceof Measure.SuccessRate s) {
            Observation errors = errors(r, start);
            return errors == null ? null : PromReading.successFrom(errors, s.arm());
        }
        if (m instanceof Measure.SlowRequests s) return slow(r, s.slowerThan(), start);
        if (m instanceof Measure.LatencyExceedances l) return exceedances(r, l, start);
        return null;
    }

    /** Requests per arm since {@code start} (bad = 0); null when they must be read per rollout. */
    Observation requests(PromReading r, Instant start) throws PrometheusException {
        Matcher failed = MATCHER.matcher(r.metrics().failed());
        Map<String, Map<String, Double>> byArm = since(r, new Grouping(r.metrics(), r.armLabel(), failed.matches() ? failed.group(1)
                : r.armLabel()), start, Purpose.GUARD);
        return byArm == null ? null : r.counts(totals(byArm), Map.of(), "requests");
    }

    private Observation errors(PromReading r, Instant start) throws PrometheusException {
        Matcher failed = MATCHER.matcher(r.metrics().failed());
        if (!failed.matches()) return null;
        Pattern value;
        try {
            value = Pattern.compile(failed.group(3).replace("\\\\", "\\"));
        } catch (PatternSyntaxException e) {
            return null; // RE2 syntax Java reads differently: Prometheus evaluates it, per rollout
        }
        boolean negated = failed.group(2).startsWith("!"), regex = failed.group(2).endsWith("~");
        Map<String, Map<String, Double>> byArm = since(r, new Grouping(r.metrics(), r.armLabel(), failed.group(1)), start, Purpose.CHECKS);
        if (byArm == null) return null;
        Map<String, Double> bad = new HashMap<>();
        byArm.forEach((arm, byCode) -> byCode.forEach((code, n) -> {
            boolean matches = regex ? value.matcher(code).matches() : code.equals(failed.group(3));
            if (matches != negated) bad.merge(arm, n, Double::sum);
        }));
        return r.counts(totals(byArm), bad, "5xx");
    }

    private Observation slow(PromReading r, Duration slowerThan, Instant start) throws PrometheusException {
        Map<String, Map<String, Double>> byArm = since(r, new Grouping(r.metrics(), r.armLabel(), "le"), start, Purpose.CHECKS);
        if (byArm == null) return null;
        Pattern bound = Pattern.compile(PromQL.bucketBound(slowerThan.toMillis()));
        Map<String, Double> total = new TreeMap<>(), fast = new TreeMap<>();
        byArm.forEach((arm, byLe) -> byLe.forEach((le, n) -> {
            if ("+Inf".equals(le)) total.put(arm, n);
            else if (bound.matcher(le).matches()) fast.put(arm, n);
        }));
        return r.slowFrom(total, fast, slowerThan);
    }

    private Observation exceedances(PromReading r, Measure.LatencyExceedances m, Instant start) throws PrometheusException {
        Map<String, Map<String, Double>> byArm = since(r, new Grouping(r.metrics(), r.armLabel(), "le"), start, Purpose.CHECKS);
        if (byArm == null) return null;
        TreeMap<Double, Double> cumulative = new TreeMap<>();
        byArm.getOrDefault(r.armValue(m.arm()), Map.of()).forEach((le, n) ->
                cumulative.put("+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le), n));
        return r.exceedancesFrom(cumulative, m, () -> quantile(m.quantile(), cumulative));
    }

    private static Map<String, Double> totals(Map<String, Map<String, Double>> byArm) {
        Map<String, Double> total = new TreeMap<>();
        byArm.forEach((arm, byLabel) -> total.put(arm, byLabel.values().stream().mapToDouble(Double::doubleValue).sum()));
        return total;
    }

    /**
     * The rollout's series of a grouping, counted since {@code start}, by arm and then by the grouping's extra label;
     * null after a counter reset in this step.
     */
    private Map<String, Map<String, Double>> since(PromReading r, Grouping g, Instant start, Purpose purpose) throws PrometheusException {
        StepStart at;
        try {
            at = startOf(r, g, start, purpose);
        } catch (FirstScrapePending e) {
            Map<String, Map<String, Double>> none = new TreeMap<>();
            for (String arm : List.of(r.arms().baseline(), r.arms().canary())) none.put(arm, Map.of(g.by().equals("le") ? "+Inf" : "", 0.0));
            return none;
        }
        if (at.reset) return null;
        Map<String, Map<String, Double>> out = new TreeMap<>();
        Set<List<String>> seen = new HashSet<>();
        for (PrometheusClient.Sample s : now(r, g, at.readUpTo)) {
            List<String> key = g.key(s.labels());
            if (!isRollouts(r, key)) continue;
            // a series that appeared after the step began (a new arm's first requests) counted from zero
            double n = s.value() - at.values.getOrDefault(key, 0.0);
            if (n < 0 || Double.isNaN(n)) {
                at.reset = true;
                return null;
            }
            seen.add(key);
            // summed: a policy whose arms name no service reads every service of its namespace
            out.computeIfAbsent(key.get(2), a -> new TreeMap<>()).merge(key.get(3), n, Double::sum);
        }
        for (List<String> key : at.values.keySet()) {
            // a series gone since the start (a pod's counters stale) would make the sum drop like a reset
            if (!seen.contains(key)) {
                at.reset = true;
                return null;
            }
        }
        return out;
    }

    private static boolean isRollouts(PromReading r, List<String> key) {
        return key.get(0).equals(r.policy().namespace())
                && (r.arms().service() == null || key.get(1).equals(r.arms().service()))
                && (key.get(2).equals(r.arms().baseline()) || key.get(2).equals(r.arms().canary()));
    }

    /**
     * The current counters of a grouping for every rollout that read it lately: one query per second, however many
     * rollouts ask, narrowed to their namespaces and services (a replica reads its own rollouts' series, not the
     * cluster's). A rollout the second's answer does not cover (its first tick here) reads its own series this once:
     * widening the shared query for every newcomer would read n growing answers when a replica starts.
     */
    private List<PrometheusClient.Sample> now(PromReading r, Grouping g, Instant notBefore) throws PrometheusException {
        Instant now = clock.instant();
        Map<String, Asker> asking = askers.computeIfAbsent(g, k -> new ConcurrentHashMap<>());
        Asker me = new Asker(r.policy().namespace(), r.arms().service(), now);
        asking.put(r.policy().namespace() + "/" + r.policy().name(), me);
        CompletableFuture<List<PrometheusClient.Sample>> mine = new CompletableFuture<>();
        Fetch f = latest.compute(g, (k, old) -> old != null && old.serves(now, notBefore, r.policy().interval()) ? old
                : new Fetch(now, Scope.of(asking, now.minus(FORGET)), mine));
        if (!f.scope().covers(me)) return prometheus.query(g.query(r.selector("")), now);
        if (f.answer() == mine) {
            try {
                mine.complete(prometheus.query(g.query(f.scope().selector(g)), now));
            } catch (PrometheusException | RuntimeException e) {
                mine.completeExceptionally(e);
            }
        }
        try {
            return f.answer().join(); // bounded: the asking thread's query has the client's timeout
        } catch (CompletionException e) {
            if (e.getCause() instanceof PrometheusException p) throw p;
            throw e;
        }
    }

    /** A rollout that read a grouping, and when it last did. */
    private record Asker(String namespace, String service, Instant at) {}

    /** The namespaces and services a batch query reads; null services: every service of those namespaces. */
    private record Scope(SortedSet<String> namespaces, SortedSet<String> services) {

        static Scope of(Map<String, Asker> askers, Instant forgetBefore) {
            askers.values().removeIf(a -> a.at().isBefore(forgetBefore));
            SortedSet<String> namespaces = new TreeSet<>(), services = new TreeSet<>();
            boolean every = false;
            for (Asker a : askers.values()) {
                namespaces.add(a.namespace());
                if (a.service() == null) every = true;
                else services.add(a.service());
            }
            return new Scope(namespaces, every ? null : services);
        }

        boolean covers(Asker a) {
            return namespaces.contains(a.namespace()) && (services == null || a.service() != null && services.contains(a.service()));
        }

        /** The family's fixed matchers and a set matcher per label (Prometheus matches literal alternations as a set). */
        String selector(Grouping g) {
            RequestMetrics family = g.family();
            String fixed = family.fixed() == null || family.fixed().isEmpty() ? "" : family.fixed() + ",";
            return fixed + family.namespaceLabel() + "=~" + PromQL.anyOf(namespaces.toArray(String[]::new))
                    + (services == null ? "" : "," + family.serviceLabel() + "=~" + PromQL.anyOf(services.toArray(String[]::new)));
        }
    }

    /**
     * The rollout's counters at {@code start}: remembered, or read once per step (narrowed to the rollout). A scrape
     * straddling the start holds requests of the previous split, so a series' value at the start is interpolated
     * between its last sample before and its first sample after (from zero at its target's last scrape before the
     * start, for a series that scrape did not have yet); a series born later counts from zero.
     * Both arms are then counted over the same instants, which the sample-ratio guard needs at the start of a step.
     */
    private StepStart startOf(PromReading r, Grouping g, Instant start, Purpose purpose) throws PrometheusException {
        // one entry per policy, grouping and purpose, so memory follows the policies, not every canary they ever had
        String rollout = r.policy().namespace() + "/" + r.policy().name() + " " + g + " " + purpose;
        Deque<StepStart> known = starts.computeIfAbsent(rollout, k -> new ArrayDeque<>());
        synchronized (known) {
            for (StepStart s : known) {
                if (s.is(r.arms(), start, r.policy().interval())) return s;
            }
        }
        Duration since = Duration.between(start, clock.instant());
        if (since.compareTo(Duration.ofSeconds(1)) < 0) throw new FirstScrapePending();
        Duration settle = since.compareTo(SETTLE) < 0 ? since : SETTLE;
        String series = g.series(r.selector(""));
        // each series' last sample before the start and first after it, as raw samples: a range vector holds a series
        // a timed-out scrape or an outage marked stale, which an instant query would not return (and it would then
        // look born after the start, its whole count this step's)
        Map<Map<String, String>, double[]> last = new HashMap<>(), first = new HashMap<>();
        for (PrometheusClient.Series s : prometheus.range(series + "[" + LOOKBACK.toSeconds() + "s]", start)) {
            int n = s.times().length;
            // with the series' scrape interval, to tell a series not scraped since the start yet from one that stopped
            double every = n > 1 ? s.times()[n - 1] - s.times()[n - 2] : LOOKBACK.toSeconds();
            if (n > 0) last.put(unnamed(s.labels()), new double[] {s.times()[n - 1], s.values()[n - 1], every});
        }
        for (PrometheusClient.Series s : prometheus.range(series + "[" + settle.toMillis() + "ms]", start.plus(settle))) {
            if (s.times().length > 0) first.put(unnamed(s.labels()), new double[] {s.times()[0], s.values()[0]});
        }
        double at = start.toEpochMilli() / 1000.0;
        Map<String, Double> lastScrape = new HashMap<>(), nextScrape = new HashMap<>(), every = new HashMap<>();
        last.forEach((labels, l) -> lastScrape.merge(target(labels), l[0], Math::max));
        last.forEach((labels, l) -> every.merge(target(labels), l[2], Math::min));
        first.forEach((labels, f) -> nextScrape.merge(target(labels), f[0], Math::min));
        Map<List<String>, Double> values = new HashMap<>();
        for (Map.Entry<Map<String, String>, double[]> sample : last.entrySet()) {
            double[] before = sample.getValue(), after = first.get(sample.getKey());
            String target = target(sample.getKey());
            double v;
            if (after == null) {
                // not scraped since the start yet: wait for it while it is due; one that stopped while the rollout's
                // others are scraped since the start is gone (a pod) and left out, as it is of the sums from now on
                boolean gone = at - before[0] > 2 * before[2] && !first.isEmpty();
                if (gone) continue;
                if (since.compareTo(SETTLE) < 0) throw new FirstScrapePending();
                v = before[1];
            } else if (after[1] < before[1]) {
                v = 0; // restarted around the start: all of it is after
            } else if (gap(at, lastScrape.get(target), every.get(target))) {
                v = after[1]; // no scrape just before the start (an outage): every series from the first scrape after it
            } else {
                v = before[1] + (after[1] - before[1]) * Math.max(0, at - before[0]) / (after[0] - before[0]);
            }
            values.merge(g.key(sample.getKey()), v, Double::sum);
        }
        // a series first scraped right after the start was born in the scrape interval around it: part of its count is
        // the previous split's, interpolated from zero at its target's last scrape before the start. Across a gap in
        // the scrapes its birth cannot be placed: it counts from its first scrape after the start, as every series of
        // its target then does (both arms over the same instants); so does every series when nothing is known before
        for (Map.Entry<Map<String, String>, double[]> born : first.entrySet()) {
            if (last.containsKey(born.getKey())) continue;
            double[] after = born.getValue();
            String target = target(born.getKey());
            Double t = lastScrape.get(target);
            double v;
            if (last.isEmpty()) v = after[1];
            else if (t == null || after[0] > nextScrape.get(target)) continue; // a new target, or born later: from zero
            else if (gap(at, t, every.get(target))) v = after[1];
            else v = after[1] * Math.max(0, at - t) / (after[0] - t);
            values.merge(g.key(born.getKey()), v, Double::sum);
        }
        double newest = first.values().stream().mapToDouble(f -> f[0]).max().orElse(at);
        StepStart read = new StepStart(r.arms(), start, values, Instant.ofEpochMilli((long) Math.ceil(Math.max(at, newest) * 1000)));
        synchronized (known) {
            known.addFirst(read);
            while (known.size() > STARTS_KEPT) known.removeLast();
        }
        return read;
    }

    /** Whether a target's last scrape before {@code at} is more than two of its scrape intervals old. */
    private static boolean gap(double at, Double lastScrape, Double every) {
        return lastScrape == null || at - lastScrape > 2 * every;
    }

    /** The scrape target a series came from: all of a target's series share their scrape times. */
    private static String target(Map<String, String> labels) {
        return labels.getOrDefault("job", "") + " " + labels.getOrDefault("instance", "");
    }

    private static Map<String, String> unnamed(Map<String, String> labels) {
        if (!labels.containsKey("__name__")) return labels;
        Map<String, String> out = new HashMap<>(labels);
        out.remove("__name__");
        return out;
    }

    /** No scrape since the step began yet: nothing of this step is counted so far (zero requests, not missing data). */
    private static final class FirstScrapePending extends RuntimeException {
        FirstScrapePending() {
            super(null, null, false, false);
        }
    }

    /** Prometheus' histogram_quantile on cumulative buckets: linear inside the bucket holding the rank. */
    static double quantile(double q, TreeMap<Double, Double> cumulative) {
        Double total = cumulative.get(Double.POSITIVE_INFINITY);
        if (total == null || total <= 0) return Double.NaN;
        double rank = q * total, lower = 0, below = 0;
        for (Map.Entry<Double, Double> b : cumulative.entrySet()) {
            if (b.getValue() >= rank) {
                if (b.getKey().isInfinite()) return lower;
                double inBucket = b.getValue() - below;
                return inBucket <= 0 ? b.getKey() : lower + (b.getKey() - lower) * (rank - below) / inBucket;
            }
            lower = b.getKey();
            below = b.getValue();
        }
        return lower;
    }
}
