package dev.aviary.metrics.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.analysis.ArmCounts;
import dev.aviary.analysis.Observation;
import dev.aviary.checks.CheckTypes;
import dev.aviary.checks.Comparison;
import dev.aviary.checks.Threshold;
import dev.aviary.checks.istio.IstioPresets;
import dev.aviary.checks.knative.KnativePresets;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;
import dev.aviary.sandbox.PrometheusServer;
import dev.aviary.secrets.Redactor;
import dev.aviary.traffic.ArmLabels;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batched request metrics against a real Prometheus scraping many services' Istio and Knative metrics: every
 * rollout's counts from the family's one query equal what that rollout's own queries give; a counter reset falls back
 * to the rollout's own increase(); a broken custom query is NO_DATA for its rollout alone; and a tick of many rollouts
 * sends no more queries than there are metric families.
 */
class BatchedQueriesPrometheusTest {

    static final int ISTIO_SERVICES = 100;
    static final int KNATIVE_SERVICES = 3;

    @TempDir
    static Path dir;
    static MeshExporter mesh;
    static PrometheusServer prometheus;
    /** The step's start, and two ticks of it; all in the past once the tests run, so every scrape is in. */
    static Instant stepStart, firstTick, secondTick;

    @BeforeAll
    static void start() throws Exception {
        mesh = new MeshExporter(ISTIO_SERVICES, KNATIVE_SERVICES);
        prometheus = PrometheusServer.start(dir, mesh.target());
        PrometheusClient client = new PrometheusClient(new TestPrometheusConfig(prometheus.url()));
        long deadline = System.currentTimeMillis() + 30_000;
        while (client.query("count_over_time(istio_requests_total{destination_service_name=\"svc-0\"}[1m])").stream()
                .mapToDouble(PrometheusClient.Sample::value).min().orElse(0) < 3) {
            if (System.currentTimeMillis() > deadline) throw new IOException("Prometheus did not scrape the mesh");
            Thread.sleep(300);
        }
        stepStart = Instant.ofEpochSecond(Instant.now().getEpochSecond());
        firstTick = stepStart.plusSeconds(5);
        secondTick = stepStart.plusSeconds(8);
        // the reset service's pod restarts between the step's start and its first tick
        mesh.resetAt(stepStart.plusSeconds(3).toEpochMilli());
        // and the shift service's split goes from 100/0 to 50/50 when the step starts
        mesh.shiftAt(stepStart.toEpochMilli());
        while (Instant.now().isBefore(secondTick.plusMillis(2500))) Thread.sleep(200);
    }

    @AfterAll
    static void stop() {
        if (prometheus != null) prometheus.close();
        if (mesh != null) mesh.close();
    }

    /** The time a test's source reads its windows on, moved tick by tick. */
    static final class TickClock extends Clock {
        volatile Instant now;

        TickClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** Every query a client sent: counted through the client's own watch, and by text. */
    static final class Sent {
        final List<String> queries = new CopyOnWriteArrayList<>();
        int watched;

        PrometheusClient client() {
            return new PrometheusClient(new TestPrometheusConfig(prometheus.url()), new Redactor(), (seconds, failure) -> watched++) {
                @Override
                public List<Sample> query(String promql, Instant at) throws PrometheusException {
                    queries.add(promql);
                    return super.query(promql, at);
                }

                @Override
                public List<Series> range(String promql, Instant at) throws PrometheusException {
                    queries.add(promql);
                    return super.range(promql, at);
                }
            };
        }
    }

    /** The daemon's source: request presets batched, windows read on {@code clock}. */
    static PrometheusSource batched(Sent sent, TickClock clock) {
        return new PrometheusSource(sent.client(), new TestPrometheusConfig(prometheus.url()), new CheckTypes(), clock);
    }

    /** The step so far at its second tick. */
    static Duration window() {
        return Duration.between(stepStart, secondTick);
    }

    static Policy policy(String name, String namespace) {
        return policy(name, namespace, Duration.ofSeconds(2));
    }

    /** A policy ticking every {@code interval}: a batch answer serves it for half of that (at most 5 s). */
    static Policy policy(String name, String namespace, Duration interval) {
        Policy p = PrometheusSourceTest.policy();
        return new Policy(name, namespace, p.target(), interval, p.steps(), p.maxStepDuration(), p.onTimeout(), p.noData(),
                p.checks(), p.alpha(), p.minRequests(), p.notifications(), p.source(), p.hash());
    }

    static final CheckSpec ERRORS = new Comparison.Spec("errors", IstioPresets.ERROR_RATE, null, null, 0.1, null);
    static final CheckSpec SLOW = new Comparison.Spec("latency", IstioPresets.SLOW_REQUESTS, null, null, 0.2, Duration.ofMillis(250));
    static final CheckSpec P99 = new Threshold.Spec("p99", IstioPresets.LATENCY_P99, null, null, 500.0, 500, null);
    static final List<CheckSpec> ISTIO_CHECKS = List.of(ERRORS, SLOW, P99);
    static final List<CheckSpec> KNATIVE_CHECKS = List.of(
            new Comparison.Spec("errors", KnativePresets.ERROR_RATE, null, null, 0.1, null),
            new Comparison.Spec("latency", KnativePresets.SLOW_REQUESTS, null, null, 0.2, Duration.ofMillis(250)),
            new Threshold.Spec("p99", KnativePresets.LATENCY_P99, null, null, 500.0, 500, null));

    static ArmLabels istioArms(int i) {
        return new ArmLabels("v1", "v2", MeshExporter.istioService(i), null);
    }

    static ArmLabels knativeArms(int i) {
        return new ArmLabels(MeshExporter.revision(i, "v1"), MeshExporter.revision(i, "v2"), MeshExporter.knativeService(i), "revision_name");
    }

    /** A tick: every check of every rollout, and the sample-ratio guard's request counts. */
    static List<Observation> tick(PrometheusSource source, TickClock clock, Instant at, int rollouts, List<CheckSpec> checks,
            boolean knative) {
        clock.now = at;
        Duration window = Duration.between(stepStart, at);
        List<Observation> out = new ArrayList<>();
        for (int i = 0; i < rollouts; i++) {
            Policy policy = policy("model-" + i, knative ? "serving" : "default");
            ArmLabels arms = knative ? knativeArms(i) : istioArms(i);
            for (CheckSpec c : checks) out.add(source.observe(policy, c, arms, window));
            if (!knative) out.add(source.requests(policy, arms, window));
        }
        return out;
    }

    /**
     * The true count over the step of one rollout's series, summed by arm and {@code by}: its counters at the tick (as
     * Prometheus scraped them last) less the exporter's exact counters at the step's start. A scrape that straddles the
     * start must not count the previous split's requests.
     */
    static Map<String, Double> own(PrometheusClient client, String metric, String selector, String armLabel, String by, Instant at)
            throws PrometheusException {
        return own(client, metric, selector, armLabel, by, stepStart, at);
    }

    static Map<String, Double> own(PrometheusClient client, String metric, String selector, String armLabel, String by, Instant from,
            Instant at) throws PrometheusException {
        Map<String, Double> out = new TreeMap<>();
        String q = "sum by (" + armLabel + by + ") (" + metric + "{" + selector + "})";
        for (PrometheusClient.Sample s : client.query(q, at)) out.merge(key(s.labels(), armLabel, by), s.value(), Double::sum);
        for (PrometheusClient.Sample s : exposition(metric, selector, from)) out.merge(key(s.labels(), armLabel, by), -s.value(), Double::sum);
        return out;
    }

    private static final Pattern SERIES = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)\\{(.*)} (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)(=~|=)\"([^\"]*)\"");

    /** The series of {@code metric} matching {@code selector} as the exporter held them at {@code at}. */
    static List<PrometheusClient.Sample> exposition(String metric, String selector, Instant at) {
        Map<String, Pattern> wanted = new TreeMap<>();
        for (Matcher m = LABEL.matcher(selector); m.find(); ) {
            wanted.put(m.group(1), Pattern.compile(m.group(2).equals("=~") ? m.group(3) : Pattern.quote(m.group(3))));
        }
        List<PrometheusClient.Sample> out = new ArrayList<>();
        for (String line : mesh.scrape(at.toEpochMilli()).split("\n")) {
            Matcher series = SERIES.matcher(line);
            if (!series.matches() || !series.group(1).equals(metric)) continue;
            Map<String, String> labels = new TreeMap<>();
            for (Matcher m = LABEL.matcher(series.group(2)); m.find(); ) labels.put(m.group(1), m.group(3));
            if (wanted.entrySet().stream().allMatch(w -> w.getValue().matcher(labels.getOrDefault(w.getKey(), "")).matches())) {
                out.add(new PrometheusClient.Sample(labels, Double.parseDouble(series.group(3))));
            }
        }
        return out;
    }

    private static String key(Map<String, String> labels, String armLabel, String by) {
        return labels.get(armLabel) + (by.isEmpty() ? "" : " " + labels.get(by.substring(2)));
    }

    /** The counts each rollout's own queries give, in the order {@link #tick} observes them. */
    static List<Observation> expected(int rollouts, boolean knative) throws PrometheusException {
        PrometheusClient client = new PrometheusClient(new TestPrometheusConfig(prometheus.url()));
        List<Observation> out = new ArrayList<>();
        for (int i = 0; i < rollouts; i++) {
            ArmLabels arms = knative ? knativeArms(i) : istioArms(i);
            String armLabel = knative ? "revision_name" : "destination_version";
            String sel = knative ? "namespace_name=\"serving\",service_name=\"" + arms.service() + "\""
                    : "reporter=\"destination\",destination_service_namespace=\"default\",destination_service_name=\"" + arms.service() + "\"";
            String requests = knative ? "revision_app_request_count" : "istio_requests_total";
            String buckets = knative ? "revision_app_request_latencies_bucket" : "istio_request_duration_milliseconds_bucket";
            Map<String, Double> total = own(client, requests, sel, armLabel, "", secondTick);
            Map<String, Double> bad = own(client, requests, sel + (knative ? ",response_code_class=\"5xx\"" : ",response_code=~\"5..\""),
                    armLabel, "", secondTick);
            out.add(counts(arms, total, bad));
            Map<String, Double> le = own(client, buckets, sel, armLabel, ", le", secondTick);
            Map<String, Double> slow = new TreeMap<>();
            for (String arm : List.of(arms.baseline(), arms.canary())) slow.put(arm, le.get(arm + " +Inf") - le.get(arm + " 250"));
            out.add(counts(arms, Map.of(arms.baseline(), le.get(arms.baseline() + " +Inf"), arms.canary(), le.get(arms.canary() + " +Inf")),
                    slow));
            long n = Math.round(le.get(arms.canary() + " +Inf"));
            TreeMap<Double, Double> cumulative = new TreeMap<>();
            le.forEach((k, v) -> {
                if (k.startsWith(arms.canary() + " ")) {
                    String bound = k.substring(arms.canary().length() + 1);
                    cumulative.put(bound.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(bound), v);
                }
            });
            double p99 = CounterBatch.quantile(0.99, cumulative);
            out.add(new Observation.Exceedances(n, n - Math.round(le.get(arms.canary() + " 500")), p99));
            if (!knative) out.add(counts(arms, total, Map.of()));
        }
        return out;
    }

    private static Observation counts(ArmLabels arms, Map<String, Double> total, Map<String, Double> bad) {
        return new Observation.Counts(new ArmCounts(Math.round(total.get(arms.baseline())), Math.round(bad.getOrDefault(arms.baseline(), 0.0))),
                new ArmCounts(Math.round(total.get(arms.canary())), Math.round(bad.getOrDefault(arms.canary(), 0.0))));
    }

    /**
     * Each observation equal to the true one within a request (the start's counters are interpolated between two
     * scrapes, the exporter's are whole), named by its rollout and place in the tick when not.
     */
    static void assertSame(List<Observation> own, List<Observation> batched, int perRollout) {
        assertEquals(own.size(), batched.size());
        for (int i = 0; i < own.size(); i++) {
            Observation o = own.get(i), b = batched.get(i);
            String where = "rollout " + i / perRollout + ", observation " + i % perRollout + ": true " + o + ", batched " + b;
            if (o instanceof Observation.Counts c) {
                Observation.Counts d = assertInstanceOf(Observation.Counts.class, b, where);
                for (ArmCounts[] arm : new ArmCounts[][] {{c.baseline(), d.baseline()}, {c.canary(), d.canary()}}) {
                    assertEquals(arm[0].total(), arm[1].total(), 1, where);
                    assertEquals(arm[0].bad(), arm[1].bad(), 1, where);
                }
            } else if (o instanceof Observation.Exceedances e) {
                Observation.Exceedances d = assertInstanceOf(Observation.Exceedances.class, b, where);
                assertEquals(e.total(), d.total(), 1, where);
                assertEquals(e.above(), d.above(), 1, where);
                assertEquals(e.estimate(), d.estimate(), Math.abs(e.estimate()) * 0.02, where);
            } else {
                assertEquals(o, b, where);
            }
        }
    }

    /**
     * The step's first tick (which also reads each rollout's counters at the step's start), then its second: the
     * second's observations, after checking it sent one query per metric family (the requests and their durations).
     */
    static List<Observation> twoTicks(Sent sent, int rollouts, List<CheckSpec> checks, boolean knative) {
        TickClock clock = new TickClock(firstTick);
        PrometheusSource source = batched(sent, clock);
        tick(source, clock, firstTick, rollouts, checks, knative);
        int afterFirst = sent.queries.size();
        List<Observation> second = tick(source, clock, secondTick, rollouts, checks, knative);
        List<String> secondTicks = sent.queries.subList(afterFirst, sent.queries.size());
        assertEquals(2, secondTicks.size(), secondTicks::toString);
        return second;
    }

    @Test
    void istioRolloutsReadFromOneQueryPerFamilyEqualTheirOwnQueries() throws Exception {
        Sent sent = new Sent();
        // two queries for 100 rollouts' 400 observations
        List<Observation> batched = twoTicks(sent, ISTIO_SERVICES, ISTIO_CHECKS, false);
        assertEquals(sent.queries.size(), sent.watched, "every query was heard by the client's watch");
        assertSame(expected(ISTIO_SERVICES, false), batched, ISTIO_CHECKS.size() + 1);
        // and they are the mesh's counts: about the rate over the 8 s step (a scrape either side)
        Observation.Counts c = assertInstanceOf(Observation.Counts.class, batched.get(0));
        assertEquals(MeshExporter.rate(0, "v1") * 8, c.baseline().total(), 2 * MeshExporter.RATE + 1, c::toString);
        assertTrue(c.canary().bad() > 0 && c.canary().bad() < c.canary().total(), c::toString);
    }

    @Test
    void knativeRolloutsReadFromOneQueryPerFamilyEqualTheirOwnQueries() throws Exception {
        List<Observation> batched = twoTicks(new Sent(), KNATIVE_SERVICES, KNATIVE_CHECKS, true);
        assertSame(expected(KNATIVE_SERVICES, true), batched, KNATIVE_CHECKS.size());
        assertTrue(batched.stream().allMatch(o -> !(o instanceof Observation.Missing)), batched::toString);
    }

    /**
     * A step that moved the split from 100/0 to 50/50: the scrape that straddled the start still holds the baseline's
     * requests at twice the rate, and they are not counted (before, the batched baseline counted them; linear
     * interpolation over that scrape still errs by up to a quarter of it, as the rate changed inside it). The canary's
     * series was born at the start; a series its target's last scrape before the start did not have is interpolated
     * from zero at that scrape, which may undercount it by up to a scrape interval of requests (1 s here), never more.
     */
    @Test
    void aStepsCountsHoldNoRequestOfThePreviousSplit() throws Exception {
        Sent sent = new Sent();
        TickClock clock = new TickClock(firstTick);
        PrometheusSource source = batched(sent, clock);
        ArmLabels shift = new ArmLabels("v1", "v2", MeshExporter.SHIFT_SERVICE, null);
        PrometheusClient client = new PrometheusClient(new TestPrometheusConfig(prometheus.url()));
        String selector = "reporter=\"destination\",destination_service_namespace=\"default\",destination_service_name=\""
                + MeshExporter.SHIFT_SERVICE + "\"";
        Map<String, Double> truth = Map.of();
        for (Instant tick : List.of(firstTick, secondTick)) {
            clock.now = tick;
            Observation o = source.requests(policy("shift", "default"), shift, Duration.between(stepStart, tick));
            Observation.Counts c = assertInstanceOf(Observation.Counts.class, o, o::toString);
            truth = own(client, "istio_requests_total", selector, "destination_version", "", tick);
            // interpolated at the start over a scrape in which the baseline's rate halved: within a quarter of the 20
            // requests a 1 s scrape interval then holds, or of 40 when a busy machine's scrape came a second late (the
            // old baseline counted up to all of them, half on average)
            assertEquals(truth.get("v1"), c.baseline().total(), MeshExporter.RATE + 1, c::toString);
            assertTrue(c.canary().total() <= truth.get("v2") + 1 && c.canary().total() >= truth.get("v2") - MeshExporter.RATE - 1,
                    c + " vs " + truth);
        }
        // the checks count from the step's start and the guard from an interval (here 1 s) later: two starts, each read
        // apart, though the second is less than SAME_START from the first
        PrometheusSource daemons = batched(new Sent(), clock);
        Observation checks = daemons.observe(policy("shift", "default"), ERRORS, shift, window());
        Observation guard = daemons.requests(policy("shift", "default"), shift, window().minusSeconds(1));
        Map<String, Double> settled = own(client, "istio_requests_total", selector, "destination_version", "", stepStart.plusSeconds(1), secondTick);
        Observation.Counts fromStart = assertInstanceOf(Observation.Counts.class, checks, checks::toString);
        Observation.Counts fromSettled = assertInstanceOf(Observation.Counts.class, guard, guard::toString);
        assertEquals(truth.get("v1"), fromStart.baseline().total(), MeshExporter.RATE + 1, fromStart::toString);
        // (within a second of requests: the value at start + 1 s is interpolated over a scrape interval that, should a
        // scrape be late, also holds the step's start, where the baseline's rate halved; runs have been 7 off)
        assertEquals(settled.get("v1"), fromSettled.baseline().total(), MeshExporter.RATE + 1, fromSettled::toString);
        assertEquals(settled.get("v2"), fromSettled.canary().total(), MeshExporter.RATE + 1, fromSettled::toString);
        assertTrue(fromSettled.baseline().total() < fromStart.baseline().total() - 5, fromSettled + " vs " + fromStart);
    }

    /**
     * A batch query reads the namespaces and services of the rollouts that read it lately, not the cluster's: a
     * replica's query grows with its own rollouts. A newcomer in a second already answered reads its own series once,
     * and is in the next second's batch.
     */
    @Test
    void aBatchReadsItsOwnRolloutsSeriesAndANewcomerJoinsTheNextSecond() {
        Sent sent = new Sent();
        TickClock clock = new TickClock(firstTick);
        PrometheusSource source = batched(sent, clock);
        tick(source, clock, firstTick, 3, List.of(ERRORS), false);
        int before = sent.queries.size();
        tick(source, clock, secondTick, 3, List.of(ERRORS), false);
        // the errors check and the sample-ratio guard group the same way: one query for both
        List<String> batch = List.copyOf(sent.queries.subList(before, sent.queries.size()));
        assertEquals(1, batch.size(), batch::toString);
        assertTrue(batch.get(0).contains("destination_service_namespace=~\"default\",destination_service_name=~\"svc-0|svc-1|svc-2\""),
                batch::toString);
        // a newcomer in the same second: its own series, this once
        Observation newcomer = source.observe(policy("model-7", "default"), ERRORS, istioArms(7), window());
        String own = sent.queries.get(sent.queries.size() - 1);
        assertTrue(own.contains("\"svc-7\"") && !own.contains("svc-0"), own);
        assertInstanceOf(Observation.Counts.class, newcomer, newcomer::toString);
        // the next second's batch holds it
        clock.now = secondTick.plusSeconds(1);
        before = sent.queries.size();
        Observation again = source.observe(policy("model-7", "default"), ERRORS, istioArms(7), window());
        source.observe(policy("model-0", "default"), ERRORS, istioArms(0), window());
        batch = List.copyOf(sent.queries.subList(before, sent.queries.size()));
        assertEquals(1, batch.size(), batch::toString);
        assertTrue(batch.get(0).contains("svc-0|svc-1|svc-2|svc-7"), batch::toString);
        // read a second later: the same series, a scrape or so more
        Observation.Counts first = (Observation.Counts) newcomer, later = assertInstanceOf(Observation.Counts.class, again, again::toString);
        assertTrue(later.baseline().total() >= first.baseline().total() && later.baseline().total() <= first.baseline().total() + 2 * MeshExporter.RATE + 4,
                first + " then " + later);
    }

    /** A batch answer serves a 30 s policy's ticks for 5 s: a replica's thousand rollouts send a family's query every 5 s. */
    @Test
    void aBatchAnswerServesForHalfAnIntervalAtMostFiveSeconds() {
        Sent sent = new Sent();
        TickClock clock = new TickClock(secondTick);
        PrometheusSource source = batched(sent, clock);
        Policy slow = policy("model-0", "default", Duration.ofSeconds(30));
        source.observe(slow, ERRORS, istioArms(0), window());
        int first = sent.queries.size();
        clock.now = secondTick.plusSeconds(3);
        source.observe(slow, ERRORS, istioArms(0), window().plusSeconds(3));
        assertEquals(first, sent.queries.size(), "3 s later, the same answer: " + sent.queries);
        clock.now = secondTick.plusSeconds(6);
        source.observe(slow, ERRORS, istioArms(0), window().plusSeconds(6));
        assertEquals(first + 1, sent.queries.size(), "6 s later, asked again: " + sent.queries);
    }

    /** Such a query for a thousand services is POSTed (PrometheusClientTest): the real Prometheus answers it so. */
    @Test
    void aRealPrometheusAnswersAPostedBatch() throws Exception {
        String services = "svc-0" + "|another-service".repeat(PrometheusClient.MAX_GET / 16);
        List<PrometheusClient.Sample> answer = new PrometheusClient(new TestPrometheusConfig(prometheus.url())).query(
                "sum(istio_requests_total{reporter=\"destination\",destination_service_namespace=\"default\",destination_service_name=~\""
                        + services + "\"})", secondTick);
        assertEquals(1, answer.size());
        assertTrue(answer.get(0).value() > 0, answer::toString);
    }

    @Test
    void aCounterResetFallsBackToTheRolloutsOwnIncreaseWhileOthersStayBatched() {
        Sent sent = new Sent();
        PrometheusSource source = batched(sent, new TickClock(secondTick));
        ArmLabels reset = new ArmLabels("v1", "v2", MeshExporter.RESET_SERVICE, null);
        Observation afterReset = source.observe(policy("reset", "default"), ERRORS, reset, window());
        Observation other = source.observe(policy("model-0", "default"), ERRORS, istioArms(0), window());
        // the reset service's sum fell below its value at the step's start: its own increase() counts the requests since
        Observation.Counts c = assertInstanceOf(Observation.Counts.class, afterReset, afterReset::toString);
        assertTrue(c.baseline().total() > 0, c::toString);
        assertTrue(sent.queries.stream().anyMatch(q -> q.contains("increase(") && q.contains(MeshExporter.RESET_SERVICE)), sent.queries::toString);
        assertTrue(sent.queries.stream().noneMatch(q -> q.contains("increase(") && q.contains("\"svc-0\"")), sent.queries::toString);
        assertInstanceOf(Observation.Counts.class, other, other::toString);
        // and the rest of the step stays on its own queries: the difference is wrong once the counter started again
        int before = sent.queries.size();
        source.observe(policy("reset", "default"), ERRORS, reset, window());
        assertTrue(sent.queries.subList(before, sent.queries.size()).stream().allMatch(q -> q.contains("increase(")), sent.queries::toString);
    }

    @Test
    void aBrokenCustomQueryIsNoDataForItsRolloutOnlyAndIsNotRetried() {
        Sent sent = new Sent();
        PrometheusSource source = batched(sent, new TickClock(secondTick));
        String broken = "sum(rate(istio_requests_total{destination_version=\"{{arm}}\"}[{{window}}])";
        CheckSpec custom = new Threshold.Spec("custom", null, broken, null, 0.05, 500, null);
        for (int tick = 0; tick < 6; tick++) {
            Observation own = source.observe(policy("broken", "default"), custom, istioArms(1), window());
            Observation other = source.observe(policy("model-0", "default"), ERRORS, istioArms(0), window());
            Observation.Missing m = assertInstanceOf(Observation.Missing.class, own, own::toString);
            assertTrue(m.reason().startsWith("Prometheus rejected the query"), m.reason());
            assertInstanceOf(Observation.Counts.class, other, other::toString);
        }
        assertEquals(6, sent.queries.stream().filter(q -> q.startsWith("sum(rate(istio_requests_total")).count(),
                "one try per tick, no retries: " + sent.queries);
    }

    /** Before and after, for the report: PromQL queries per tick of the 3-check Istio policy, 1 and 100 rollouts. */
    @Test
    void queriesPerTickBeforeAndAfter() {
        for (int rollouts : new int[] {1, ISTIO_SERVICES}) {
            Sent perRollout = new Sent();
            TickClock clock = new TickClock(secondTick);
            PrometheusSource old = new PrometheusSource(perRollout.client(), new TestPrometheusConfig(prometheus.url()), new CheckTypes());
            tick(old, clock, secondTick, rollouts, ISTIO_CHECKS, false);
            Sent batched = new Sent();
            twoTicks(batched, rollouts, ISTIO_CHECKS, false);
            System.out.printf("%d rollouts (errors, slow requests, p99 + sample-ratio guard): per rollout %d queries per tick;"
                    + " batched 2 per tick, %d on a step's first tick%n", rollouts, perRollout.queries.size(), batched.queries.size() - 2);
            assertEquals(6 * rollouts, perRollout.queries.size());
        }
    }
}
