package dev.aviary.simulate;

import dev.aviary.checks.CheckTypes;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;
import dev.aviary.policy.Step;
import dev.aviary.rollout.Decider;
import dev.aviary.rollout.Transition;
import java.time.Instant;
import java.util.List;

/**
 * The policy's own checks, decided by the daemon's {@link Decider}: every {@code interval} a tick reads the step's
 * cumulative counts through {@link SimulatedMetrics} (the observations Prometheus would give) and the rollout moves
 * exactly as the daemon's would. Checks the simulation cannot measure (explicit PromQL) are left out; the others
 * keep the alpha share they have in the full policy. Pause steps are left out, as in {@link PlanStep#from}: each would be
 * approved at once.
 */
public final class AviaryContender implements Contender {

    private final Policy policy;
    private final Policy simulatedPolicy;
    private final Decider decider;
    private final CheckTypes checks;

    public AviaryContender(Policy policy, CheckTypes checks) {
        this.policy = policy;
        this.checks = checks;
        this.simulatedPolicy = withoutPauses(withSimulatedChecks(policy, checks));
        this.decider = new Decider(checks::judge, checks.sampleRatioGuard());
    }

    @Override
    public String name() {
        return "aviary";
    }

    /** Checks the simulation cannot measure (explicit PromQL), by name, to be reported. */
    public List<String> skippedChecks() {
        return policy.checks().stream().filter(c -> !SimulatedMetrics.simulated(checks.of(c))).map(CheckSpec::name).toList();
    }

    @Override
    public RunResult run(List<PlanStep> plan, TrafficSource traffic, int run) {
        long interval = Math.max(1, policy.interval().toSeconds());
        SimulatedMetrics.StepTotals totals = new SimulatedMetrics.StepTotals();
        SimulatedMetrics metrics = new SimulatedMetrics(totals, checks);
        SimulatedRollout rollout = new SimulatedRollout(simulatedPolicy, decider, SimulatedMetrics.ARMS);
        long t = 0, stepSeconds = 0;
        RunResult.Failures failures = new RunResult.Failures();
        rollout.tick(metrics, Instant.EPOCH); // pending: starts step 1
        while (true) {
            int s = rollout.status().step();
            PlanStep step = plan.get(s);
            ArmSecond[] sec = traffic.second(run, t, s, step);
            t++;
            stepSeconds++;
            totals.add(sec);
            totals.addPairs(traffic.pairs(run, t - 1, s));
            failures.add(sec[1], step);
            if (stepSeconds % interval != 0) continue;
            Transition decided = rollout.tick(metrics, Instant.EPOCH.plusSeconds(t));
            switch (decided.decision()) {
                case PROMOTE -> { return failures.end(RunResult.End.PROMOTE, t, false); }
                case ROLLBACK -> { return failures.end(RunResult.End.ROLLBACK, t, decided.timedOut()); }
                case PAUSE -> { return failures.end(RunResult.End.STALLED, t, decided.timedOut()); }
                case ADVANCE -> {
                    totals.clear();
                    stepSeconds = 0;
                }
                default -> { }
            }
        }
    }

    /** The policy without its pause steps, whose steps are then the plan's. */
    private static Policy withoutPauses(Policy p) {
        List<Step> steps = p.steps().stream().filter(s -> !s.isGate()).toList();
        if (steps.size() == p.steps().size()) return p;
        return new Policy(p.name(), p.namespace(), p.target(), p.interval(), steps, p.maxStepDuration(), p.onTimeout(), p.noData(),
                p.checks(), p.alpha(), p.minRequests(), p.notifications(), p.source(), p.hash());
    }

    /** The policy with only the checks the simulation measures, each keeping its share of alpha. */
    private static Policy withSimulatedChecks(Policy p, CheckTypes checks) {
        List<CheckSpec> measured = p.checks().stream().filter(c -> SimulatedMetrics.simulated(checks.of(c))).toList();
        if (measured.size() == p.checks().size()) return p;
        double alpha = p.alpha() * Math.max(1, measured.size()) / Math.max(1, p.checks().size());
        return new Policy(p.name(), p.namespace(), p.target(), p.interval(), p.steps(), p.maxStepDuration(), p.onTimeout(), p.noData(),
                measured, alpha, p.minRequests(), p.notifications(), p.source(), p.hash());
    }
}
