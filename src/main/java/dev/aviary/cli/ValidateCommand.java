package dev.aviary.cli;

import dev.aviary.policy.PolicyLinter;
import dev.aviary.policy.Problem;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code aviary validate <dir|file>...}: checks policy files offline, as CI or a pre-commit hook would. */
@CommandLine.Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check CanaryPolicy files; directories are read for *.yaml and *.yml. Exits 1 on any problem.")
public class ValidateCommand implements Callable<Integer> {

    @CommandLine.Parameters(arity = "1..*", paramLabel = "<dir|file>", description = "policy files or directories")
    List<Path> paths;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PolicyLinter.Report report = new PolicyLinter().lint(paths);
        PrintWriter out = spec.commandLine().getOut();
        for (Problem p : report.problems()) {
            out.println(p);
        }
        out.println(report.summary());
        out.flush();
        return report.ok() ? 0 : 1;
    }
}
