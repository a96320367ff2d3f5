package dev.aviary.cli;

import dev.aviary.cli.remote.Connection;
import dev.aviary.cli.remote.RolloutRef;
import dev.aviary.cli.remote.Rollouts;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * A control a person uses on a rollout: it sets {@code aviary.dev/request=ACTION} on the CanaryRollout (as
 * {@code kubectl annotate} would) through the kubeconfig or a running sandbox, or asks Aviary's API with a bearer
 * token; the daemon acts on its next tick. One class serves every action ({@link #ACTIONS}); runs before (and
 * without) Quarkus.
 */
@CommandLine.Command(mixinStandardHelpOptions = true, footer = "Exit status: 0 requested, 1 refused or nothing reachable, 2 bad usage.")
public class ControlCommand implements Callable<Integer> {

    /** An action the daemon takes from the request annotation, and what it does, for the help. */
    record Action(String word, String description) {}

    static final List<Action> ACTIONS = List.of(
            new Action("pause", "Ask Aviary to pause a rollout where it stands (the canary keeps its traffic)."),
            new Action("resume", "Ask Aviary to resume a paused rollout."),
            new Action("abort", "Ask Aviary to roll a rollout back: the canary goes to 0%%."),
            new Action("promote", "Ask Aviary to promote a rollout: the canary goes to 100%% without further evidence."),
            new Action("approve", "Approve a rollout waiting at a manual gate (a pause: {} step), so it goes on to the next step."),
            new Action("restart", "Ask Aviary to start a rollout over from its first step."));

    @CommandLine.Mixin
    Connection connection;

    @CommandLine.Parameters(index = "0", paramLabel = "NS/NAME", description = "The rollout (NAME alone: in -n's or the context's namespace).")
    String rollout;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Every action as a subcommand of {@code top}, its objects (the connection options) made by {@code factory}. */
    static void addTo(CommandLine top, CommandLine.IFactory factory) {
        for (Action a : ACTIONS) {
            CommandLine command = new CommandLine(new ControlCommand(), factory);
            command.getCommandSpec().name(a.word()).usageMessage().description(a.description());
            top.addSubcommand(a.word(), command);
        }
    }

    @Override
    public Integer call() {
        String action = spec.name();
        try (Rollouts rollouts = connection.open()) {
            RolloutRef ref = RolloutRef.parse(rollout, connection.namespace() != null ? connection.namespace() : rollouts.defaultNamespace());
            spec.commandLine().getOut().println(rollouts.request(ref, action));
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
