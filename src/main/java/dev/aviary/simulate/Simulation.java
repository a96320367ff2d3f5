package dev.aviary.simulate;

import dev.aviary.checks.CheckTypes;
import dev.aviary.policy.Policy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A seeded Monte-Carlo of many rollouts of one policy: for each scenario and run, every contender walks the same
 * plan over the same traffic (see {@link TrafficSource}); the results are aggregated per contender and scenario.
 * A shadow scenario (one with replayed pairs of answers) is walked by Aviary alone, on the policy with a
 * shadow-agreement check added: no other judge compares predictions.
 */
public final class Simulation {

    private final Policy policy;
    private final List<Contender> contenders;
    private final CheckTypes checks;
    private final int runs;
    private final long seed;

    public Simulation(Policy policy, List<Contender> contenders, int runs, long seed) {
        this(policy, contenders, new CheckTypes(), runs, seed);
    }

    /** @param checks how the shadow scenarios' Aviary contender judges (the request scenarios' come with {@code contenders}) */
    public Simulation(Policy policy, List<Contender> contenders, CheckTypes checks, int runs, long seed) {
        if (runs < 1) throw new IllegalArgumentException("runs must be at least 1");
        this.policy = policy;
        this.contenders = List.copyOf(contenders);
        this.checks = checks;
        this.runs = runs;
        this.seed = seed;
    }

    /**
     * The judges of the issue: the policy's checks; Flagger as its tutorial sets it up, and with its success-rate
     * minimum tuned to each scenario's traffic; Argo Rollouts' background analysis; Kayenta; the SPRT floor.
     */
    public static List<Contender> standardContenders(Policy policy, CheckTypes checks) {
        FlaggerContender.Analysis flagger = FlaggerContender.Analysis.tutorial(policy, checks);
        return List.of(new AviaryContender(policy, checks), new FlaggerContender("flagger", flagger), new FlaggerTunedContender(flagger),
                new ArgoContender(ArgoContender.Metric.docsExample()), new KayentaContender(policy), new SprtFloorContender(policy, checks));
    }

    public List<Row> run(List<Scenario> scenarios) {
        List<Row> rows = new ArrayList<>();
        for (Scenario scenario : scenarios) {
            List<PlanStep> plan = PlanStep.from(policy, scenario.headerShare());
            TrafficSource traffic = new TrafficSource(scenario, TrafficSource.mix(seed, scenario.name().hashCode()));
            List<Contender> judges = scenario.shadow() == null ? contenders
                    : List.of(new AviaryContender(ShadowPolicy.withAgreementCheck(policy, scenario.shadow()), checks));
            for (Contender judge : judges) {
                Contender c = judge.forScenario(scenario, plan, seed);
                // runs are independent: spread them over the cores (results do not depend on the order)
                RunResult[] results = new RunResult[runs];
                java.util.stream.IntStream.range(0, runs).parallel().forEach(r -> results[r] = c.run(plan, traffic, r));
                rows.add(aggregate(c.name(), scenario, Arrays.asList(results)));
            }
        }
        return rows;
    }

    static Row aggregate(String judge, Scenario scenario, List<RunResult> results) {
        int n = results.size();
        List<RunResult> rolledBack = results.stream().filter(r -> r.end() == RunResult.End.ROLLBACK).toList();
        List<RunResult> promoted = results.stream().filter(r -> r.end() == RunResult.End.PROMOTE).toList();
        double rollbackRate = (double) rolledBack.size() / n;
        boolean good = scenario.goodCanary();
        double[] rollbackSeconds = rolledBack.stream().mapToDouble(RunResult::seconds).toArray();
        double[] rollbackFailures = rolledBack.stream().mapToDouble(RunResult::canaryFailures).toArray();
        double[] rollbackUserFailures = rolledBack.stream().mapToDouble(RunResult::userFailures).toArray();
        double[] promoteSeconds = promoted.stream().mapToDouble(RunResult::seconds).toArray();
        return new Row(judge, scenario.name(), n,
                good ? rollbackRate : null,
                good ? null : rollbackRate,
                good ? null : quantile(rollbackSeconds, 0.5),
                good ? null : quantile(rollbackSeconds, 0.9),
                good ? null : quantile(rollbackFailures, 0.5),
                good ? null : quantile(rollbackUserFailures, 0.5),
                good ? quantile(promoteSeconds, 0.5) : null,
                (double) promoted.size() / n,
                (double) results.stream().filter(RunResult::timedOut).count() / n);
    }

    /** Type-7 quantile (R's default); null for no values. */
    static Double quantile(double[] values, double q) {
        if (values.length == 0) return null;
        double[] v = values.clone();
        Arrays.sort(v);
        double h = (v.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(v.length - 1, lo + 1);
        return v[lo] + (h - lo) * (v[hi] - v[lo]);
    }
}
