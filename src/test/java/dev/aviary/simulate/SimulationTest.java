package dev.aviary.simulate;

import dev.aviary.checks.CheckTypes;

import dev.aviary.checks.Threshold;
import dev.aviary.checks.istio.IstioPresets;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aviary.cli.SimulateCommand;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;
import dev.aviary.policy.Step;
import java.time.Duration;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SimulationTest {

    private static final Policy POLICY = DefaultPolicy.imageClassifier();

    private static Map<String, Row> byJudge(List<Row> rows) {
        return rows.stream().collect(Collectors.toMap(Row::judge, Function.identity()));
    }

    @Test
    void planFollowsThePolicyUpToPromotion() {
        List<PlanStep> plan = PlanStep.from(POLICY, 0.1);
        assertEquals(3, plan.size());
        // mirror 100: the canary serves a copy of every request, half of what both arms serve, and no user sees it
        assertTrue(plan.get(0).mirror());
        assertEquals(0.5, plan.get(0).canaryShare(), 1e-12);
        assertEquals(0.5, plan.get(0).expectedShare(), 1e-12);
        assertEquals(300, plan.get(0).minSeconds());
        assertTrue(Double.isNaN(PlanStep.from(withHeaderRouteFirst(POLICY), 0.1).get(0).expectedShare()), "a header route fixes no share");
        assertEquals(0.1, PlanStep.from(withHeaderRouteFirst(POLICY), 0.1).get(0).canaryShare(), 1e-12);
        assertEquals(0.3, plan.get(1).expectedShare(), 1e-12);
        assertEquals(600, plan.get(2).minSeconds());
    }

    private static Policy withHeaderRouteFirst(Policy p) {
        List<Step> steps = new ArrayList<>(p.steps());
        steps.set(0, new Step(null, new Step.HeaderMatch("user-group", Step.HeaderMatch.MatchType.EXACT, "canary"), null, Duration.ofMinutes(5)));
        return new Policy(p.name(), p.namespace(), p.target(), p.interval(), steps, p.maxStepDuration(), p.onTimeout(), p.noData(),
                p.checks(), p.alpha(), p.minRequests(), List.of(), null, null);
    }

    @Test
    void judgesInTheSameStepSeeTheSameTraffic() {
        TrafficSource a = new TrafficSource(Scenario.named("aa-20rps"), 42), b = new TrafficSource(Scenario.named("aa-20rps"), 42);
        PlanStep step = PlanStep.from(POLICY, 0.1).get(1);
        ArmSecond[] x = a.second(3, 100, 1, step), y = b.second(3, 100, 1, step);
        assertEquals(x[0].requests(), y[0].requests());
        assertArrayEquals(x[1].buckets(), y[1].buckets());
        long total = 0;
        for (int t = 0; t < 1000; t++) total += a.second(0, t, 1, step)[1].requests();
        assertEquals(6000, total, 4 * Math.sqrt(6000)); // 30% of 20 rps
    }

    @Test
    void histogramQuantileInterpolatesLikePrometheus() {
        long[] buckets = new long[Buckets.UPPER_MS.length];
        buckets[6] = 50; // (50, 100]
        buckets[7] = 40; // (100, 250]
        buckets[8] = 10; // (250, 500]
        // rank 99 of 100 lies 9/10 into (250, 500]: 250 + 250 x 0.9 = 475
        assertEquals(475, Buckets.quantile(0.99, buckets), 1e-9);
        assertEquals(100, Buckets.quantile(0.5, buckets), 1e-9);
        assertEquals(8, Buckets.firstAbove(250));
    }

    @Test
    void sameSeedSameNumbersAndABadCanaryIsCaughtFasterThanFlaggerButNotFasterThanTheFloor() {
        // a mirror step first: a header route's comparison allows for who is asking, so a policy starting with one
        // detects late (docs/decision-quality.md, "Robust defaults")
        Policy p = mirrorFirst(POLICY);
        List<Scenario> scenarios = List.of(Scenario.named("errors-1to5-20rps"));
        List<Row> first = new Simulation(p, Simulation.standardContenders(p, new CheckTypes()), 60, 5).run(scenarios);
        List<Row> again = new Simulation(p, Simulation.standardContenders(p, new CheckTypes()), 60, 5).run(scenarios);
        assertEquals(first, again);
        Map<String, Row> rows = byJudge(first);
        Row aviary = rows.get("aviary");
        assertNull(aviary.falseRollbackRate());
        assertNull(aviary.medianSecondsToPromote());
        assertTrue(aviary.power() >= 0.95, "power " + aviary.power());
        assertTrue(aviary.medianSecondsToRollback() < rows.get("flagger").medianSecondsToRollback());
        assertTrue(rows.get("sprt-floor").medianSecondsToRollback() <= aviary.medianSecondsToRollback());
    }

    @Test
    void identicalCanaryIsRarelyRolledBackAndIsPromoted() {
        Map<String, Row> rows = byJudge(new Simulation(POLICY, Simulation.standardContenders(POLICY, new CheckTypes()), 100, 9)
                .run(List.of(Scenario.named("aa-20rps"))));
        Row aviary = rows.get("aviary");
        assertNull(aviary.power());
        assertTrue(aviary.falseRollbackRate() <= 0.05, "false rollbacks " + aviary.falseRollbackRate());
        assertEquals(1500, aviary.medianSecondsToPromote(), 60);
        assertTrue(rows.get("kayenta-style").falseRollbackRate() > 0.2, "repeated fixed-horizon tests should inflate errors");
    }

    /**
     * The p99 SLO alone, judged on the canary's exceedance counts: an identical canary (0.003% of requests slower
     * than 500 ms) is promoted, one whose latency is 2.5x (4% slower than 500 ms) is rolled back. If the contender
     * fed the judge anything but counts, the check would never pass and every rollout would time out.
     */
    @Test
    void p99SloAloneJudgesOnExceedanceCounts() {
        CheckSpec p99 = new Threshold.Spec("p99-slo", IstioPresets.LATENCY_P99, null, null, 500.0, 500, "canary");
        Policy only = new Policy(POLICY.name(), POLICY.namespace(), POLICY.target(), POLICY.interval(), POLICY.steps(), POLICY.maxStepDuration(),
                POLICY.onTimeout(), POLICY.noData(), List.of(p99), POLICY.alpha(), POLICY.minRequests(), List.of(), null, null);
        AviaryContender aviary = new AviaryContender(only, new CheckTypes());
        Scenario slow = new Scenario("p99-2.5x", 20, Scenario.HEALTHY, Scenario.HEALTHY.slowerBy(2.5), Scenario.DEFAULT_HEADER_SHARE);
        Map<String, Row> good = byJudge(new Simulation(only, List.of(aviary), 40, 11).run(List.of(Scenario.named("aa-20rps"))));
        Map<String, Row> bad = byJudge(new Simulation(only, List.of(aviary), 40, 11).run(List.of(slow)));
        assertEquals(0.0, good.get("aviary").falseRollbackRate());
        assertEquals(1500, good.get("aviary").medianSecondsToPromote(), 60);
        assertTrue(bad.get("aviary").power() >= 0.95, "power " + bad.get("aviary").power());
    }

    @Test
    void commandPrintsJsonWithExactlyTheAgreedFields() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            code = new CommandLine(new SimulateCommand()).execute("--runs", "10", "--seed", "3", "--scenario", "aa-2rps,errors-1to5-20rps", "--json");
        } finally {
            System.setOut(saved);
        }
        assertEquals(0, code);
        JsonNode array = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        assertEquals(12, array.size());
        List<String> fields = new ArrayList<>();
        for (Iterator<String> it = array.get(0).fieldNames(); it.hasNext(); ) fields.add(it.next());
        assertEquals(List.of("judge", "scenario", "runs", "falseRollbackRate", "power", "medianSecondsToRollback", "p90SecondsToRollback",
                "medianFailedRequestsBeforeRollback", "medianUserFailedRequestsBeforeRollback", "medianSecondsToPromote"), fields);
        assertTrue(array.get(0).get("power").isNull());
        assertEquals("aa-2rps", array.get(0).get("scenario").asText());
        assertEquals(10, array.get(0).get("runs").asInt());
    }

    @Test
    void theJudgesAreNamedAsTheIssueSays() {
        assertEquals(List.of("aviary", "flagger", "flagger-tuned", "argo-style", "kayenta-style", "sprt-floor"),
                Simulation.standardContenders(POLICY, new CheckTypes()).stream().map(Contender::name).toList());
    }

    @Test
    void builtInPolicyMatchesTheShippedFile() throws Exception {
        Policy file = new dev.aviary.policy.PolicyLoader().load(java.nio.file.Path.of("policies/image-classifier.yaml"));
        assertEquals(file.steps(), POLICY.steps());
        assertEquals(file.checks(), POLICY.checks());
        assertEquals(List.of(file.interval(), file.maxStepDuration(), file.onTimeout(), file.alpha(), file.minRequests()),
                List.of(POLICY.interval(), POLICY.maxStepDuration(), POLICY.onTimeout(), POLICY.alpha(), POLICY.minRequests()));
    }

    @Test
    void commandSimulatesTheDaemonsPassRuleByDefault() {
        String cli = new CommandLine(new SimulateCommand()).getCommandSpec().findOption("--pass-rule").defaultValue();
        assertEquals(dev.aviary.analysis.AnytimeCountJudge.DEFAULT_PASS_RULE.name(), cli);
    }

    @Test
    void commandRejectsAnUnknownScenario() {
        assertEquals(2, new CommandLine(new SimulateCommand()).execute("--runs", "1", "--scenario", "nope"));
    }

    /** The policy with a 2-minute {@code mirror: 100} step first. */
    private static Policy mirrorFirst(Policy p) {
        List<dev.aviary.policy.Step> steps = new ArrayList<>();
        steps.add(new dev.aviary.policy.Step(null, null, 100, java.time.Duration.ofMinutes(2)));
        steps.addAll(p.steps());
        return new Policy(p.name(), p.namespace(), p.target(), p.interval(), steps, p.maxStepDuration(), p.onTimeout(), p.noData(),
                p.checks(), p.alpha(), p.minRequests(), p.notifications(), p.source(), p.hash());
    }
}
