package dev.aviary.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aviary.cli.remote.Connection;
import dev.aviary.cli.remote.RolloutRef;
import dev.aviary.cli.remote.Rollouts;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * {@code aviary status [NS/NAME]}: every rollout as a table, or one with its verdicts and history, read from the
 * CanaryRollouts through the kubeconfig, from Aviary's API or from a running sandbox. Runs before (and without) Quarkus.
 */
@CommandLine.Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show where rollouts stand: every rollout as a table, or one (NS/NAME) with its verdicts and history.",
            "Reads the CanaryRollouts through your kubeconfig, Aviary's API (--server) or a running sandbox (--sandbox).",
            "Exit status: 0 shown, 1 nothing reachable or no such rollout, 2 bad usage."})
public class StatusCommand implements Callable<Integer> {

    enum Format { table, json }

    @CommandLine.Mixin
    Connection connection;

    @CommandLine.Parameters(arity = "0..1", paramLabel = "NS/NAME", description = "One rollout (NAME alone: in -n's or the context's namespace).")
    String rollout;

    @CommandLine.Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table (the default) or json: what GET /api/rollouts answers.")
    Format output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final ObjectMapper json = new ObjectMapper();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (Rollouts rollouts = connection.open()) {
            if (rollout != null) {
                JsonNode one = rollouts.get(RolloutRef.parse(rollout, connection.namespace() != null ? connection.namespace()
                        : rollouts.defaultNamespace()));
                out.println(output == Format.json ? json.writerWithDefaultPrettyPrinter().writeValueAsString(one) : StatusText.detail(one));
            } else {
                List<JsonNode> all = rollouts.list(connection.namespace());
                if (output == Format.json) out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(new ArrayList<>(all)));
                else if (all.isEmpty()) out.println("no rollouts" + (connection.namespace() == null ? "" : " in namespace " + connection.namespace()));
                else out.print(StatusText.table(all));
            }
        }
        out.flush();
        return 0;
    }
}
