package dev.aviary.series;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.analysis.Evidence;
import dev.aviary.analysis.Outcome;
import dev.aviary.checks.CheckTypes;
import dev.aviary.policy.Policy;
import dev.aviary.policy.PolicyException;
import dev.aviary.policy.PolicyLoader;
import dev.aviary.rollout.CheckRecord;
import dev.aviary.rollout.Decision;
import dev.aviary.rollout.HistoryEntry;
import dev.aviary.rollout.Phase;
import dev.aviary.rollout.RolloutController.TickResult;
import dev.aviary.rollout.RolloutStatus;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SeriesRecorderTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-06T20:00:00Z"), ZoneOffset.UTC);
    private static final Policy CLASSIFIER = policy("default", "image-classifier");
    private final Set<String> live = new HashSet<>(Set.of("default/image-classifier", "payments/fraud-detector"));

    @Test
    void eachCheckCarriesItsEvidenceAndTheEValueAtWhichItFails() {
        SeriesRecorder recorder = new SeriesRecorder(CLOCK, () -> live, 100);
        Policy policy = CLASSIFIER;
        recorder.ticked(policy, tick(Decision.HOLD, 1, 30, List.of(
                new CheckRecord("errors", Outcome.INCONCLUSIVE, "so far", evidence(3.5, 1.2, 0.8, 1.9), true),
                new CheckRecord("p99", Outcome.PASS, "ok", new Evidence(null, null, 500L, 2L, 0.004, 0.001, 0.009, null, null), true),
                new CheckRecord("sample-ratio", Outcome.PASS, "ok", evidence(0.5, 0.3, 0.28, 0.32), true)),
                List.of()));

        SeriesPoint p = recorder.series("default", "image-classifier", List.of()).points().get(0);
        assertEquals(2, p.step(), "1-based, as the status API shows steps");
        assertEquals(30, p.canaryWeight());
        CheckPoint errors = p.checks().get(0);
        // alpha 0.02 split over two checks: each fails at an e-value of 1 / 0.01
        assertEquals(100.0, errors.threshold(), 1e-9);
        assertEquals(3.5, errors.eValue());
        assertEquals(1.2, errors.estimate());
        assertEquals(0.8, errors.lower());
        assertEquals(1.9, errors.upper());
        CheckPoint p99 = p.checks().get(1);
        assertNull(p99.eValue());
        assertNull(p99.threshold(), "no e-value, no threshold to draw");
        assertEquals(0.009, p99.upper());
        CheckPoint guard = p.checks().get(2);
        assertEquals(0.5, guard.eValue());
        assertNull(guard.threshold(), "the sample-ratio guard is not one of the policy's checks: it does not fail at their 1/alpha");
    }

    @Test
    void aTicksOwnDecisionIsItsPointNotARestoredOne() {
        SeriesRecorder recorder = new SeriesRecorder(CLOCK, () -> live, 100);
        List<HistoryEntry> history = List.of(new HistoryEntry("2026-12-06T19:00:00Z", Decision.START, 1, 0, "started"),
                new HistoryEntry("2026-12-06T20:00:00Z", Decision.ADVANCE, 2, 30, "advanced"));
        recorder.ticked(CLASSIFIER, tick(Decision.ADVANCE, 1, 30, List.of(), history));

        Series s = recorder.series("default", "image-classifier", List.of());
        assertEquals(1, s.restored(), "only the START before this daemon's first tick is restored");
        assertEquals(List.of(Decision.START, Decision.ADVANCE), s.points().stream().map(SeriesPoint::decision).toList());
    }

    @Test
    void aSeriesStartsFromTheRecordedHistoryAndSkipsTicksThatChangedNothing() {
        SeriesRecorder recorder = new SeriesRecorder(CLOCK, () -> live, 100);
        Policy policy = CLASSIFIER;
        List<HistoryEntry> history = List.of(new HistoryEntry("2026-12-06T19:00:00Z", Decision.START, 1, 0, "started"),
                new HistoryEntry("2026-12-06T19:10:00Z", Decision.ADVANCE, 2, 30, "advanced"));
        for (int i = 0; i < 5; i++) recorder.ticked(policy, tick(Decision.HOLD, 1, 30, List.of(), history));
        recorder.ticked(policy, tick(Decision.HOLD, 1, 30, List.of(new CheckRecord("errors", Outcome.INCONCLUSIVE, "",
                evidence(2.0, 1.0, 0.5, 2.0), true)), history));

        Series s = recorder.series("default", "image-classifier", List.of());
        assertEquals(2, s.restored());
        assertEquals(List.of(true, true, false, false), s.points().stream().map(SeriesPoint::restored).toList(),
                "two restored decisions, then one point per tick that brought news");
        assertEquals(List.of(1, 2, 2, 2), s.points().stream().map(SeriesPoint::step).toList());
        assertEquals("2026-12-06T20:00:00Z", s.since());
    }

    @Test
    void aLongRolloutIsThinnedButKeepsEveryWeightChange() {
        SeriesRecorder recorder = new SeriesRecorder(CLOCK, () -> live, 16);
        Policy policy = CLASSIFIER;
        List<Integer> weights = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            int weight = i < 100 ? 0 : i < 200 ? 30 : i < 300 ? 50 : 100;
            weights.add(weight);
            recorder.ticked(policy, tick(i % 100 == 0 ? Decision.ADVANCE : Decision.HOLD, weight / 30, weight,
                    List.of(new CheckRecord("errors", Outcome.INCONCLUSIVE, "", evidence(1.0 + i, 1.0, 0.5, 2.0), true)), List.of()));
        }
        List<SeriesPoint> points = recorder.series("default", "image-classifier", List.of()).points();
        assertTrue(points.size() <= 16, "bounded: " + points.size());
        assertEquals(List.of(0, 30, 50, 100), changes(points.stream().map(SeriesPoint::canaryWeight).toList()));
        assertEquals(1.0, points.get(0).checks().get(0).eValue(), "the first tick stays: the plot starts where the rollout did");
        assertEquals(400.0, points.get(points.size() - 1).checks().get(0).eValue());
    }

    @Test
    void aRolloutWhosePolicyIsGoneIsDroppedAndFallsBackToItsRecordedHistory() {
        SeriesRecorder recorder = new SeriesRecorder(CLOCK, () -> live, 100);
        recorder.ticked(policy("payments", "fraud-detector"), tick(Decision.HOLD, 0, 0, List.of(), List.of()));
        recorder.requested("payments", "fraud-detector", "pause", "alice");
        assertEquals(1, recorder.series("payments", "fraud-detector", List.of()).points().size());

        live.remove("payments/fraud-detector");
        recorder.ticked(CLASSIFIER, tick(Decision.HOLD, 0, 0, List.of(), List.of()));

        Series s = recorder.series("payments", "fraud-detector", List.of(new HistoryEntry("2026-12-06T19:00:00Z", Decision.START, 1, 0,
                "started")));
        assertNull(s.since(), "no live points any more");
        assertEquals(1, s.restored());
        assertEquals(List.of(), s.requests());
    }

    @Test
    void requestsNameWhoAskedAndAreBounded() {
        SeriesRecorder recorder = new SeriesRecorder(CLOCK, () -> live, 100);
        for (int i = 0; i < 25; i++) recorder.requested("default", "image-classifier", i % 2 == 0 ? "pause" : "resume", "user-" + i);
        List<RequestRecord> requests = recorder.series("default", "image-classifier", List.of()).requests();
        assertEquals(RolloutSeries.MAX_REQUESTS, requests.size());
        assertEquals(new RequestRecord("2026-12-06T20:00:00Z", "pause", "user-24"), requests.get(requests.size() - 1));
    }

    private static List<Integer> changes(List<Integer> weights) {
        List<Integer> distinct = new ArrayList<>();
        for (int w : weights) if (distinct.isEmpty() || distinct.get(distinct.size() - 1) != w) distinct.add(w);
        return distinct;
    }

    private static Evidence evidence(double e, double estimate, double lower, double upper) {
        return new Evidence(1000L, 10L, 1000L, 12L, estimate, lower, upper, e, null);
    }

    private static TickResult tick(Decision decision, int step, int weight, List<CheckRecord> checks, List<HistoryEntry> history) {
        RolloutStatus.Builder b = RolloutStatus.pending(CLASSIFIER).toBuilder();
        b.phase = Phase.Progressing;
        b.step = step;
        b.canaryWeight = weight;
        b.lastDecision = decision;
        b.checks = checks;
        b.history = history;
        RolloutStatus status = b.build();
        return new TickResult(decision, status.phase(), step, "", status);
    }

    private static Policy policy(String namespace, String name) {
        try {
            return new PolicyLoader(new CheckTypes()).parse("""
                apiVersion: aviary.dev/v1
                kind: CanaryPolicy
                metadata: {name: %s, namespace: %s}
                spec:
                  target:
                    istio: {virtualService: %s, baseline: {subset: v1}, canary: {subset: v2}}
                  interval: 10s
                  steps:
                    - headerRoute: {header: user-group, exact: canary}
                      minDuration: 1m
                    - weight: 30
                      minDuration: 1m
                    - weight: 50
                      minDuration: 1m
                    - weight: 100
                  alpha: 0.02
                  checks:
                    - {name: errors, preset: istio-error-rate, tolerance: 10%%}
                    - {name: p99, preset: istio-latency-p99, max: 500}
                """.formatted(name, namespace, name), Path.of(name + ".yaml"));
        } catch (PolicyException e) {
            throw new IllegalStateException(e);
        }
    }
}
