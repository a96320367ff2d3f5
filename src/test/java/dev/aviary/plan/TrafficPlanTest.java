package dev.aviary.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.analysis.AnytimeCountJudge;
import dev.aviary.analysis.ArmCounts;
import dev.aviary.analysis.JudgeMemory;
import dev.aviary.analysis.Observation;
import dev.aviary.analysis.Outcome;
import dev.aviary.checks.CheckTypes;
import dev.aviary.cli.ValidateCommand;
import dev.aviary.policy.Policy;
import dev.aviary.policy.PolicyLoader;
import dev.aviary.policy.Step;
import dev.aviary.rollout.Decider;
import dev.aviary.simulate.AviaryContender;
import dev.aviary.simulate.Row;
import dev.aviary.simulate.Scenario;
import dev.aviary.simulate.Simulation;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The plan `aviary validate --rps` prints: rates and times per step, from the daemon's own judge, and its warnings. */
class TrafficPlanTest {

    static final Path SHIPPED = Path.of("policies/image-classifier.yaml");
    static final CheckTypes CHECKS = new CheckTypes();
    static final Policy POLICY = load();

    static Policy load() {
        try {
            return new PolicyLoader().load(SHIPPED);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void eachStepKindGivesTheArmsTheirRatesAndMinRequestsItsTime() {
        TrafficPlan plan = TrafficPlan.of(withHeaderRouteFirst(POLICY), CHECKS, new TrafficPlan.Traffic(20, 0.1, 0.01));
        TrafficPlan.StepPlan header = plan.steps().get(0);
        assertEquals(2, header.canaryRps(), 1e-9);
        assertEquals(18, header.baselineRps(), 1e-9);
        assertEquals(Duration.ofSeconds(250), header.toMinRequests(), "500 canary requests at 2/s");
        assertEquals(Duration.ofMinutes(5), header.earliestEnd(), "minDuration is longer");

        TrafficPlan shipped = TrafficPlan.of(POLICY, CHECKS, new TrafficPlan.Traffic(20, 0.1, 0.01));
        assertEquals(3, shipped.steps().size(), "up to the promotion");
        TrafficPlan.StepPlan mirror = shipped.steps().get(0);
        assertEquals(20, mirror.canaryRps(), 1e-9, "a copy of every request");
        assertEquals(20, mirror.baselineRps(), 1e-9, "the users' requests all stay on the baseline");
        assertEquals(Duration.ofSeconds(25), mirror.toMinRequests());
        TrafficPlan.StepPlan w30 = shipped.steps().get(1);
        assertEquals(6, w30.canaryRps(), 1e-9);
        assertEquals(14, w30.baselineRps(), 1e-9);
        assertEquals(Duration.ofSeconds(84), w30.toMinRequests(), "500 / 6 rounded up");

        TrafficPlan slow = TrafficPlan.of(POLICY, CHECKS, new TrafficPlan.Traffic(0.5, 0.1, 0.01));
        assertEquals(Duration.ofSeconds(3334), slow.steps().get(1).toMinRequests());
        assertEquals(Duration.ofSeconds(3340), slow.steps().get(1).earliestEnd(), "the next tick of the 10s interval");
    }

    /** The detection tick is exactly where the daemon's judge first fails the expected counts of the step. */
    @Test
    void detectionIsTheFirstTickTheDaemonsJudgeFailsTheExpectedCounts() {
        TrafficPlan plan = TrafficPlan.of(POLICY, CHECKS, new TrafficPlan.Traffic(20, 0.1, 0.01));
        assertEquals("errors", plan.errorCheck());
        AnytimeCountJudge judge = (AnytimeCountJudge) CHECKS.judge(POLICY.checks().get(0));
        for (TrafficPlan.StepPlan s : plan.steps()) {
            for (int i = 0; i < TrafficPlan.MULTIPLES.length; i++) {
                Duration at = s.detect().get(i);
                assertNotNull(at, s + " " + TrafficPlan.MULTIPLES[i] + "x");
                int k = TrafficPlan.MULTIPLES[i];
                assertEquals(Outcome.FAIL, outcome(judge, s, k, at.toSeconds()), s.step().describe() + " " + k + "x at " + at);
                assertTrue(outcome(judge, s, k, at.toSeconds() - 10) != Outcome.FAIL, s.step().describe() + " " + k + "x one tick earlier");
            }
            assertTrue(s.detect().get(1).compareTo(s.detect().get(0)) < 0, "5x is caught before 2x: " + s);
        }
        // at 0.5 rps a doubling is not caught within the two hours a step can last; 5x is, later than at 20 rps
        TrafficPlan slow = TrafficPlan.of(POLICY, CHECKS, new TrafficPlan.Traffic(0.5, 0.1, 0.01));
        assertNull(slow.steps().get(0).detect().get(0));
        assertTrue(slow.steps().get(0).detect().get(1).compareTo(plan.steps().get(0).detect().get(1)) > 0);
    }

    /** The plug-in time is close to what the same judge does on random traffic: the simulated median rollback time. */
    @Test
    void theMirrorStepsFiveTimesDetectionMatchesTheSimulatedMedian() {
        Duration planned = TrafficPlan.of(POLICY, CHECKS, new TrafficPlan.Traffic(20, 0.1, 0.01)).steps().get(0).detect().get(1);
        Policy errorsOnly = new Policy(POLICY.name(), POLICY.namespace(), POLICY.target(), POLICY.interval(), POLICY.steps(),
                POLICY.maxStepDuration(), POLICY.onTimeout(), POLICY.noData(), List.of(POLICY.checks().get(0)),
                POLICY.alpha() / POLICY.checks().size(), POLICY.minRequests(), List.of(), null, null);
        Scenario bad = new Scenario("errors-1to5", 20, Scenario.HEALTHY, new dev.aviary.sim.ArmBehaviour(0.05, 100, 0.4), 0.1);
        Row row = new Simulation(errorsOnly, List.of(new AviaryContender(errorsOnly, CHECKS)), 100, 3).run(List.of(bad)).get(0);
        double median = row.medianSecondsToRollback();
        assertTrue(Math.abs(median - planned.toSeconds()) <= 2 * POLICY.interval().toSeconds(),
                "planned " + planned + ", simulated median " + median + "s");
    }

    @Test
    void aStepThatCannotReachMinRequestsWithinMaxStepDurationIsWarnedAboutByNameAndField() {
        TrafficPlan headerFirst = TrafficPlan.of(withHeaderRouteFirst(POLICY), CHECKS, new TrafficPlan.Traffic(0.5, 0.1, 0.01));
        assertEquals(List.of("warning: default/image-classifier: spec.steps[0] (header route user-group=canary): minRequests (500 per arm)"
                + " takes about 2h46m40s at 0.5 requests/s, longer than spec.maxStepDuration (1h), so it will wait for data or pause"
                + " (never roll back for it); raise the step's share, lower spec.minRequests or raise spec.maxStepDuration"), headerFirst.warnings());
        assertEquals(List.of(), TrafficPlan.of(POLICY, CHECKS, new TrafficPlan.Traffic(0.5, 0.1, 0.01)).warnings(),
                "the shipped policy fits 0.5 requests/s");
        List<String> trickle = TrafficPlan.of(POLICY, CHECKS, new TrafficPlan.Traffic(0.2, 0.1, 0.01)).warnings();
        assertEquals(2, trickle.size(), trickle.toString());
        assertTrue(trickle.get(0).contains("spec.steps[1] (weight 30%)") && trickle.get(1).contains("spec.steps[2] (weight 50%)"), trickle.toString());
    }

    @Test
    void validatePrintsOneLinePerStepAndTheWarningsAndKeepsItsExitCode() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cmd = new CommandLine(new ValidateCommand());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        assertEquals(0, cmd.execute("--rps", "0.2", SHIPPED.toString()), out::toString);
        List<String> lines = out.toString().lines().toList();
        assertEquals(7, lines.size(), out.toString());
        assertTrue(lines.get(0).startsWith(SHIPPED + " (default/image-classifier) at 0.2 requests/s"), lines.get(0));
        assertTrue(lines.get(1).startsWith("  step 1 (mirror 100%): canary 0.2/s, baseline 0.2/s; 500 requests per arm in 41m40s"), lines.get(1));
        assertTrue(lines.get(4).startsWith("warning: " + SHIPPED + ": spec.steps[1] (weight 30%)"), lines.get(4));
        assertEquals("1 file, 0 problems", lines.get(6));

        assertEquals(2, cmd.execute("--rps", "-1", SHIPPED.toString()));
        assertEquals("aviary validate: --rps must be a positive number, got -1.0", err.toString().strip());
    }

    private static Outcome outcome(AnytimeCountJudge judge, TrafficPlan.StepPlan s, int k, long seconds) {
        long nb = Math.round(s.baselineRps() * seconds), nc = Math.round(s.canaryRps() * seconds);
        Observation counts = new Observation.Counts(new ArmCounts(nb, Math.round(0.01 * nb)), new ArmCounts(nc, Math.round(0.01 * k * nc)));
        return judge.assess(counts, Decider.stepContext(POLICY, s.index()), JudgeMemory.EMPTY).outcome();
    }

    @Test
    void aPauseStepIsPrintedAsWaitingForApprovalAndNeverWarnedAbout() {
        List<Step> steps = new ArrayList<>(POLICY.steps());
        steps.add(2, Step.gate(null));
        steps.add(0, Step.gate(Duration.ofMinutes(30)));
        Policy p = new Policy(POLICY.name(), POLICY.namespace(), POLICY.target(), POLICY.interval(), steps, POLICY.maxStepDuration(),
                POLICY.onTimeout(), POLICY.noData(), POLICY.checks(), POLICY.alpha(), POLICY.minRequests(), List.of(), null, null);
        TrafficPlan plan = TrafficPlan.of(p, CHECKS, new TrafficPlan.Traffic(0.01, 0.1, 0.01));
        List<String> lines = plan.lines();
        assertEquals("  step 1 (pause 30m or until approved): waits for approval or 30m before any traffic moves", lines.get(0));
        assertEquals("  step 4 (pause, waits for approval): waits for approval, holding the weights of weight 30%; the checks go on"
                + " (a failing one still rolls back)", lines.get(3));
        assertTrue(lines.get(2).startsWith("  step 3 (weight 30%): canary "), lines.get(2));
        assertEquals(3, plan.warnings().size(), "one per traffic step too slow at 0.01/s, none for the pauses: " + plan.warnings());
    }

    private static Policy withHeaderRouteFirst(Policy p) {
        List<Step> steps = new ArrayList<>(p.steps());
        steps.set(0, new Step(null, new Step.HeaderMatch("user-group", Step.HeaderMatch.MatchType.EXACT, "canary"), null, Duration.ofMinutes(5)));
        return new Policy(p.name(), p.namespace(), p.target(), p.interval(), steps, p.maxStepDuration(), p.onTimeout(), p.noData(),
                p.checks(), p.alpha(), p.minRequests(), List.of(), null, null);
    }
}
