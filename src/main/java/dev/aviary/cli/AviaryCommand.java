package dev.aviary.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine;

/**
 * The top command. The controls are added next to these ({@link ControlCommand}), and the sandbox's commands by the
 * builds that have them ({@link OptionalCommands}).
 */
@CommandLine.Command(name = "aviary", mixinStandardHelpOptions = true, version = "aviary 0.1.0",
        description = "Progressive delivery for ML models: moves a canary from 0%% to 100%% of traffic, or back, on evidence.",
        subcommands = {RunCommand.class, ValidateCommand.class, StatusCommand.class})
@TopCommand
public class AviaryCommand {
}
