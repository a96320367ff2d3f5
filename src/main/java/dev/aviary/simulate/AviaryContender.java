package dev.aviary.simulate;

import dev.aviary.analysis.AnytimeCountJudge;
import dev.aviary.analysis.ArmCounts;
import dev.aviary.analysis.Judge;
import dev.aviary.analysis.JudgeFactory;
import dev.aviary.analysis.JudgeMemory;
import dev.aviary.analysis.MannWhitneyJudge;
import dev.aviary.analysis.Observation;
import dev.aviary.analysis.Outcome;
import dev.aviary.analysis.QuantileSloJudge;
import dev.aviary.analysis.StepContext;
import dev.aviary.analysis.ThresholdJudge;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;
import java.util.ArrayList;
import java.util.List;

/**
 * The policy's own checks, judged as the rollout controller judges them: every {@code interval} on the step's
 * cumulative counts, alpha divided evenly across the checks, a step advancing when it has run minDuration and
 * every check PASSes, any FAIL rolling back, maxStepDuration applying onTimeout.
 */
public final class AviaryContender implements Contender {

    private final Policy policy;
    private final List<CheckSpec> checks;
    private final List<Judge> judges;

    public AviaryContender(Policy policy, JudgeFactory factory) {
        this.policy = policy;
        this.checks = policy.checks().stream().filter(AviaryContender::simulated).toList();
        this.judges = checks.stream().map(factory::create).toList();
    }

    @Override
    public String name() {
        return "aviary";
    }

    /** Checks the simulation can measure: the Istio presets (errors, slow requests, p99, success rate) and Mann-Whitney on latency. */
    static boolean simulated(CheckSpec c) {
        return c.type() == CheckSpec.Type.MANN_WHITNEY || c.preset() != null;
    }

    /** Checks the simulation cannot measure (explicit PromQL), by name, to be reported. */
    public List<String> skippedChecks() {
        return policy.checks().stream().filter(c -> !simulated(c)).map(CheckSpec::name).toList();
    }

    @Override
    public RunResult run(List<PlanStep> plan, TrafficSource traffic, int run) {
        long interval = Math.max(1, policy.interval().toSeconds());
        long maxStep = policy.maxStepDuration() == null ? 3600 : policy.maxStepDuration().toSeconds();
        double alpha = policy.alpha() / Math.max(1, policy.checks().size());
        long t = 0, failures = 0;
        List<JudgeMemory> memory = new ArrayList<>();
        for (int i = 0; i < judges.size(); i++) memory.add(JudgeMemory.EMPTY);
        for (int s = 0; s < plan.size(); s++) {
            PlanStep step = plan.get(s);
            StepContext ctx = new StepContext(step.expectedShare(), s, policy.steps().size(), alpha, policy.minRequests());
            StepTotals totals = new StepTotals();
            for (long e = 1; ; e++) {
                ArmSecond[] sec = traffic.second(run, t, s, step);
                t++;
                totals.add(sec);
                if (!step.mirror()) failures += sec[1].errors();
                if (e % interval != 0) continue;
                boolean allPass = true;
                List<Observation> observed = new ArrayList<>();
                for (int c = 0; c < judges.size(); c++) {
                    Observation o = observe(checks.get(c), judges.get(c), totals);
                    observed.add(o);
                    Outcome outcome = outcome(judges.get(c), o, ctx, memory.get(c));
                    if (outcome == Outcome.FAIL) return new RunResult(RunResult.End.ROLLBACK, t, failures, false);
                    allPass &= outcome == Outcome.PASS;
                }
                if (e > maxStep) {
                    return new RunResult(policy.onTimeout() == Policy.TimeoutAction.ROLLBACK ? RunResult.End.ROLLBACK : RunResult.End.STALLED,
                            t, failures, true);
                }
                if (allPass && e >= step.minSeconds()) {
                    for (int c = 0; c < judges.size(); c++) memory.set(c, judges.get(c).endStep(observed.get(c), ctx, memory.get(c)));
                    break;
                }
            }
        }
        return new RunResult(RunResult.End.PROMOTE, t, failures, false);
    }

    /** The decision only: the simulation needs no confidence bounds or words. */
    private static Outcome outcome(Judge judge, Observation o, StepContext ctx, JudgeMemory memory) {
        if (judge instanceof AnytimeCountJudge a) return a.assess(o, ctx, memory).outcome();
        if (judge instanceof QuantileSloJudge q) return q.assess(o, ctx, memory).outcome();
        if (judge instanceof ThresholdJudge th) return th.assess(o);
        if (judge instanceof MannWhitneyJudge mw) return mw.assess(o, ctx);
        return judge.judge("check", o, ctx, memory).outcome();
    }

    /** What the check's judge reads: counts above the bound for a quantile SLO, a single value for a threshold. */
    private static Observation observe(CheckSpec check, Judge judge, StepTotals s) {
        if (check.type() == CheckSpec.Type.MANN_WHITNEY) return new Observation.Histogram(Buckets.UPPER_MS, s.baselineBuckets, s.canaryBuckets);
        boolean canaryArm = check.arm() == null || check.arm().equals("canary");
        long[] armBuckets = canaryArm ? s.canaryBuckets : s.baselineBuckets;
        long armTotal = canaryArm ? s.canary : s.baseline, armErrors = canaryArm ? s.canaryErrors : s.baselineErrors;
        return switch (check.preset()) {
            case ISTIO_ERROR_RATE -> new Observation.Counts(new ArmCounts(s.baseline, s.baselineErrors), new ArmCounts(s.canary, s.canaryErrors));
            case ISTIO_SLOW_REQUESTS -> {
                int from = Buckets.firstAbove(check.slowerThan() == null ? 250 : check.slowerThan().toMillis());
                yield new Observation.Counts(new ArmCounts(s.baseline, Buckets.countFrom(s.baselineBuckets, from)),
                        new ArmCounts(s.canary, Buckets.countFrom(s.canaryBuckets, from)));
            }
            // Prometheus can count requests above a bucket bound only: when max is not one, count from the smallest
            // bound >= max (a looser SLO), as a histogram-based source must
            case ISTIO_LATENCY_P99 -> judge instanceof QuantileSloJudge q
                    ? new Observation.Exceedances(armTotal, Buckets.countFrom(armBuckets, Buckets.firstAbove(q.maxMs())), Buckets.quantile(q.quantile(), armBuckets))
                    : new Observation.Value(Buckets.quantile(0.99, armBuckets), armTotal);
            // a success rate in percent when the bound is written in percent
            case ISTIO_SUCCESS_RATE -> new Observation.Value(armTotal == 0 ? Double.NaN
                    : (1 - (double) armErrors / armTotal) * ((check.min() != null && check.min() > 1) || (check.max() != null && check.max() > 1) ? 100 : 1), armTotal);
        };
    }

    /** Cumulative counts of the current step. */
    static final class StepTotals {
        long baseline, baselineErrors, canary, canaryErrors;
        final long[] baselineBuckets = new long[Buckets.UPPER_MS.length];
        final long[] canaryBuckets = new long[Buckets.UPPER_MS.length];

        void add(ArmSecond[] sec) {
            baseline += sec[0].requests();
            baselineErrors += sec[0].errors();
            canary += sec[1].requests();
            canaryErrors += sec[1].errors();
            for (int i = 0; i < baselineBuckets.length; i++) {
                baselineBuckets[i] += sec[0].buckets()[i];
                canaryBuckets[i] += sec[1].buckets()[i];
            }
        }
    }
}
