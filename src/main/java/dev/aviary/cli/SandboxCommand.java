package dev.aviary.cli;

import dev.aviary.sandbox.Rehearsal;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * {@code aviary sandbox --manifests DIR --policies DIR}: rehearses your rollouts before a cluster sees them. Exit 0
 * when every rollout ended as the scenario expects, 1 when one did not, 2 on bad input.
 */
@CommandLine.Command(name = "sandbox", mixinStandardHelpOptions = true,
        description = {"Rehearse a rollout on your own manifests and policies: a mock Kubernetes API holding your objects, a mesh"
                + " simulator serving the chosen scenario, a real Prometheus, and Aviary, faster than real time. Prints every decision.",
            "Exit status: 0 when every rollout ended as the scenario expects (good: promoted; errors, latency: rolled back),"
                + " 1 when one did not, 2 on bad input."})
public class SandboxCommand implements Callable<Integer> {

    @CommandLine.Mixin
    SandboxOptions options;

    private final SandboxRun run;

    public SandboxCommand(SandboxRun run) {
        this.run = run;
    }

    @Override
    public Integer call() throws InterruptedException {
        Rehearsal.Prepared prepared;
        try {
            prepared = options.prepare();
        } catch (RuntimeException e) {
            // a bug, not the user's input; still one line, never a stack trace
            System.err.println("aviary sandbox: cannot prepare the rehearsal: " + e);
            return 2;
        }
        if (!prepared.ok()) {
            prepared.problems().forEach(System.err::println);
            System.err.println("aviary sandbox: " + prepared.problems().size() + (prepared.problems().size() == 1 ? " problem" : " problems")
                    + "; nothing was run");
            return 2;
        }
        Rehearsal r = prepared.rehearsal();
        System.out.println("Aviary sandbox: your manifests (" + options.manifests + ") in a mock Kubernetes API, a mesh simulator sending"
                + " them traffic, a real Prometheus scraping it, and Aviary running your policies (" + options.policies + ").");
        System.out.println("Scenario " + options.scenario.label() + ": " + options.scenario.description() + " (baseline: "
                + Math.round(Rehearsal.DEFAULT_BASELINE.errorRate() * 1000) / 10.0 + "% errors, "
                + Math.round(Rehearsal.DEFAULT_BASELINE.latencyMedianMs()) + " ms median latency); every rollout must end "
                + options.scenario.expected() + ".");
        r.notes().forEach(n -> System.out.println("  " + n));
        return run.run(r, options.timeLimit(r), options.dump, System.out);
    }
}
