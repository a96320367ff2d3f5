package dev.aviary.cli;

import dev.aviary.checks.CheckTypes;
import dev.aviary.plan.TrafficPlan;
import dev.aviary.policy.Policy;
import dev.aviary.policy.PolicyLinter;
import dev.aviary.policy.Problem;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code aviary validate <dir|file>...}: checks policy files offline, as CI or a pre-commit hook would. With
 * {@code --rps}, also prints each valid policy's plan at that traffic ({@link TrafficPlan}): per step, when each arm
 * has minRequests and how soon a 2x and a 5x error regression is rolled back, with a warning for every step that
 * cannot reach minRequests within maxStepDuration. Warnings do not change the exit code; problems do.
 */
@CommandLine.Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check CanaryPolicy files; directories are read for *.yaml and *.yml. Exits 1 on any problem."
                + " With --rps, also print each policy's plan at that traffic.")
public class ValidateCommand implements Callable<Integer> {

    @CommandLine.Parameters(arity = "1..*", paramLabel = "<dir|file>", description = "policy files or directories")
    List<Path> paths;

    @CommandLine.Option(names = "--rps", paramLabel = "N", description = "Requests per second the service gets: print, per step,"
            + " the time to minRequests per arm and to roll back a 2x and a 5x error regression, and warn where a step cannot"
            + " reach minRequests within maxStepDuration.")
    Double rps;

    @CommandLine.Option(names = "--header-share", paramLabel = "F", defaultValue = "0.1",
            description = "With --rps: share of requests carrying a header-route step's header (default: ${DEFAULT-VALUE}).")
    double headerShare;

    @CommandLine.Option(names = "--error-rate", paramLabel = "P", defaultValue = "0.01",
            description = "With --rps: the baseline's 5xx rate the regressions multiply (default: ${DEFAULT-VALUE}).")
    double errorRate;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        TrafficPlan.Traffic traffic = null;
        if (rps != null) {
            try {
                traffic = new TrafficPlan.Traffic(rps, headerShare, errorRate);
            } catch (IllegalArgumentException e) {
                spec.commandLine().getErr().println("aviary validate: " + e.getMessage());
                return 2;
            }
        }
        PolicyLinter.Report report = new PolicyLinter().lint(paths);
        for (Problem p : report.problems()) {
            out.println(p);
        }
        if (traffic != null) {
            CheckTypes checks = new CheckTypes();
            for (Policy p : report.policies()) {
                TrafficPlan plan = TrafficPlan.of(p, checks, traffic);
                out.println(plan.heading());
                plan.lines().forEach(out::println);
                plan.warnings().forEach(out::println);
            }
        }
        out.println(report.summary());
        out.flush();
        return report.ok() ? 0 : 1;
    }
}
