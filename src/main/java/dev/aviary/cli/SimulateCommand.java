package dev.aviary.cli;

import dev.aviary.analysis.AnytimeCountJudge;
import dev.aviary.checks.CheckTypes;
import dev.aviary.checks.JudgeSettings;
import dev.aviary.policy.Policy;
import dev.aviary.policy.PolicyException;
import dev.aviary.policy.PolicyLoader;
import dev.aviary.sim.ArmBehaviour;
import dev.aviary.simulate.AviaryContender;
import dev.aviary.simulate.Burst;
import dev.aviary.simulate.Contender;
import dev.aviary.simulate.FlaggerCalibration;
import dev.aviary.simulate.FlaggerTunedContender;
import dev.aviary.simulate.PlanStep;
import dev.aviary.simulate.DefaultPolicy;
import dev.aviary.simulate.Noise;
import dev.aviary.simulate.Report;
import dev.aviary.simulate.Row;
import dev.aviary.simulate.Scenario;
import dev.aviary.simulate.Simulation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;

@CommandLine.Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Seeded Monte-Carlo of many rollouts of a policy: aviary's judge, flagger, flagger-tuned (its success-rate"
                + " minimum calibrated to <= 1%% A/A false rollbacks per scenario), argo-style, kayenta-style and an SPRT floor side"
                + " by side on the same simulated traffic. Prints false-rollback rate, power, time to rollback or promotion, and"
                + " failed requests (all the canary's, and those users received).")
public class SimulateCommand implements Callable<Integer> {

    static final Path DEFAULT_POLICY = Path.of("policies/image-classifier.yaml");

    @CommandLine.Option(names = "--policy", defaultValue = "policies/image-classifier.yaml",
            description = "Policy whose steps and checks are simulated (default: ${DEFAULT-VALUE}).")
    Path policy;

    @CommandLine.Option(names = "--scenario", split = ",",
            description = "Built-in scenario(s): aa-20rps, aa-2rps, aa-0.5rps, aa-overdispersed-20rps, aa-header-population-20rps,"
                    + " aa-shared-burst-20rps, errors-1to5-20rps, errors-1to2-20rps, errors-0.1to0.5-20rps, errors-5to7.5-20rps,"
                    + " errors-1to5-2rps, canary-burst-20rps, latency-p95-plus30-20rps, better-canary-20rps,"
                    + " agree-99-5pps, agree-95.5-5pps, agree-90-5pps (shadow agreement, judged by aviary alone; default: all).")
    List<String> scenarios;

    @CommandLine.Option(names = "--runs", defaultValue = "1000", description = "Rollouts per scenario and judge (default: ${DEFAULT-VALUE}).")
    int runs;

    @CommandLine.Option(names = "--seed", defaultValue = "1", description = "Seed; the same seed gives the same numbers (default: ${DEFAULT-VALUE}).")
    long seed;

    @CommandLine.Option(names = "--json", description = "Print a JSON array instead of a table.")
    boolean json;

    @CommandLine.Option(names = "--rps", description = "Requests per second over both arms (overrides the scenarios').")
    Double rps;

    @CommandLine.Option(names = "--baseline-error-rate", description = "Baseline 5xx probability, e.g. 0.01.")
    Double baselineErrorRate;

    @CommandLine.Option(names = "--canary-error-rate", description = "Canary 5xx probability, e.g. 0.05.")
    Double canaryErrorRate;

    @CommandLine.Option(names = "--baseline-latency-median-ms", description = "Baseline median latency (log-normal).")
    Double baselineMedianMs;

    @CommandLine.Option(names = "--canary-latency-median-ms", description = "Canary median latency (log-normal).")
    Double canaryMedianMs;

    @CommandLine.Option(names = "--latency-sigma", description = "Sigma of log(latency) of both arms.")
    Double latencySigma;

    @CommandLine.Option(names = "--header-share", description = "Share of requests a header-route step sends to the canary (default 0.10).")
    Double headerShare;

    @CommandLine.Option(names = "--pods", description = "Pods per arm; each arm's requests are spread evenly over them.")
    Integer pods;

    @CommandLine.Option(names = "--overdispersion", paramLabel = "CV",
            description = "Coefficient of variation of each pod's error rate, redrawn every minute around the arm's rate (0: none; 0.75 in the"
                    + " realistic scenarios).")
    Double overdispersion;

    @CommandLine.Option(names = "--burst", paramLabel = "ARM:SECONDS:SHARE[@START]",
            description = "A transient failure, repeatable: for SECONDS a SHARE of the ARM's requests fail (ARM: canary, baseline, or both in"
                    + " proportion to traffic), from second START of the rollout or a run's random second in the first 300. Replaces the"
                    + " scenarios' bursts.")
    List<String> bursts;

    @CommandLine.Option(names = "--diurnal-amplitude", description = "Relative daily swing of traffic and error rates (0.3: +/-30%%), with a random phase per run.")
    Double diurnalAmplitude;

    @CommandLine.Option(names = "--diurnal-period", description = "Period of the daily swing in seconds (default 86400).")
    Double diurnalPeriod;

    @CommandLine.Option(names = "--header-population-shift", paramLabel = "F",
            description = "The header-route group's error rate is F times everyone's, on both arms alike (its inputs differ).")
    Double headerPopulationShift;

    @CommandLine.Option(names = "--pass-rule", defaultValue = "HARM_EVIDENCE_BELOW_HALFWAY", // AnytimeCountJudge.DEFAULT_PASS_RULE
            description = "When a comparison passes: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    AnytimeCountJudge.PassRule passRule;

    @CommandLine.Option(names = "--header-route-allowance", paramLabel = "A",
            description = "How many times worse a header route's users may fail for who they are before a comparison blames the canary"
                    + " (default: the daemon's, " + AnytimeCountJudge.DEFAULT_HEADER_ROUTE_ALLOWANCE + "; 1: none).")
    Double headerRouteAllowance;

    @CommandLine.Option(names = "--dispersion", paramLabel = "PHI",
            description = "The variance of error counts the comparisons allow for, in multiples of the binomial's (default: the daemon's, "
                    + AnytimeCountJudge.DEFAULT_DISPERSION + ").")
    Double dispersion;

    @CommandLine.Option(names = "--judge", split = ",", description = "Only these judges (by name, e.g. aviary); default: all.")
    List<String> judges;

    @Override
    public Integer call() {
        List<Scenario> selected = new ArrayList<>();
        Policy p;
        try {
            p = loadPolicy();
            for (Scenario s : scenarios == null || scenarios.isEmpty() ? Scenario.builtIn() : scenarios.stream().map(Scenario::named).toList()) {
                selected.add(override(s));
            }
            if (runs < 1) throw new IllegalArgumentException("--runs must be at least 1");
        } catch (IllegalArgumentException e) {
            System.err.println("aviary simulate: " + e.getMessage());
            return 2;
        }
        JudgeSettings settings = JudgeSettings.passingOn(passRule);
        if (headerRouteAllowance != null) {
            if (!(headerRouteAllowance >= 1)) {
                System.err.println("aviary simulate: --header-route-allowance must be at least 1");
                return 2;
            }
            settings = settings.withHeaderRouteAllowance(headerRouteAllowance);
        }
        if (dispersion != null) {
            if (!(dispersion >= 1)) {
                System.err.println("aviary simulate: --dispersion must be at least 1");
                return 2;
            }
            settings = settings.withDispersion(dispersion);
        }
        CheckTypes checks = new CheckTypes(settings);
        AviaryContender aviary = new AviaryContender(p, checks);
        if (!aviary.skippedChecks().isEmpty()) {
            System.err.println("aviary simulate: checks with explicit queries are not simulated: " + aviary.skippedChecks());
        }
        List<Contender> contenders = Simulation.standardContenders(p, checks).stream()
                .filter(c -> judges == null || judges.contains(c.name())).toList();
        if (contenders.isEmpty()) {
            System.err.println("aviary simulate: no judge named " + judges + "; judges: "
                    + Simulation.standardContenders(p, checks).stream().map(Contender::name).toList());
            return 2;
        }
        List<Row> rows = new Simulation(p, contenders, checks, runs, seed).run(selected);
        System.out.print(json ? Report.json(rows) + "\n" : Report.table(rows));
        reportCalibrations(contenders, selected, p);
        return 0;
    }

    /** What flagger-tuned was tuned to, on stderr so the table and the JSON stay as they are. */
    private void reportCalibrations(List<Contender> judges, List<Scenario> scenarios, Policy p) {
        for (Contender judge : judges) {
            if (!(judge instanceof FlaggerTunedContender tuned)) continue;
            for (Scenario s : scenarios) {
                if (s.shadow() != null) continue;
                FlaggerCalibration.Calibrated c = tuned.calibration(s, PlanStep.from(p, s.headerShare()), seed);
                System.err.printf(Locale.ROOT, "aviary simulate: flagger-tuned on %s: request-success-rate min %.1f%% (A/A false rollbacks %.3f"
                        + " over %d calibration runs%s)%n", s.name(), c.minSuccessRatePercent(), c.falseRollbackRate(), c.runs(),
                        c.met() ? "" : ", above the target even at 0%: empty windows fail");
            }
        }
    }

    private Scenario override(Scenario s) {
        ArmBehaviour b = s.baseline(), c = s.canary();
        b = new ArmBehaviour(or(baselineErrorRate, b.errorRate()), or(baselineMedianMs, b.latencyMedianMs()), or(latencySigma, b.latencySigma()));
        c = new ArmBehaviour(or(canaryErrorRate, c.errorRate()), or(canaryMedianMs, c.latencyMedianMs()), or(latencySigma, c.latencySigma()));
        Noise n = s.noise();
        n = n.withPods(pods == null ? n.pods() : pods, or(overdispersion, n.podRateCv()))
                .withBursts(bursts == null ? n.bursts() : bursts.stream().map(Burst::parse).toList())
                .withDiurnal(or(diurnalAmplitude, n.diurnalAmplitude()), or(diurnalPeriod, n.diurnalPeriodSeconds()))
                .withHeaderPopulationShift(or(headerPopulationShift, n.headerPopulationShift()));
        return new Scenario(s.name(), or(rps, s.rps()), b, c, or(headerShare, s.headerShare()), s.shadow(), n);
    }

    private static double or(Double value, double otherwise) {
        return value == null ? otherwise : value;
    }

    /** The policy file; the image-classifier policy built in code when the default file is absent (outside a checkout). */
    private Policy loadPolicy() {
        if (Files.isRegularFile(policy)) {
            try {
                return new PolicyLoader().load(policy);
            } catch (PolicyException e) {
                throw new IllegalArgumentException("cannot use " + policy + ": " + e.getMessage(), e);
            }
        }
        if (!policy.equals(DEFAULT_POLICY)) throw new IllegalArgumentException("no such policy file: " + policy);
        return DefaultPolicy.imageClassifier();
    }
}
