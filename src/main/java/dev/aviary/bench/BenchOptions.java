package dev.aviary.bench;

import dev.aviary.cli.SandboxOptions;
import java.time.Duration;
import picocli.CommandLine;

/** The options of {@code aviary bench}; {@link #problem()} says in one line what to fix. */
public class BenchOptions {

    static final int MAX_ROLLOUTS = 20_000;

    @CommandLine.Option(names = "--rollouts", paramLabel = "N", defaultValue = "1000",
            description = "Policies, each with its own VirtualService, DestinationRule, Service and Deployments (default: ${DEFAULT-VALUE}).")
    int rollouts;

    @CommandLine.Option(names = "--duration", paramLabel = "DURATION", defaultValue = "3m", converter = SandboxOptions.DurationConverter.class,
            description = "How long the ticks are measured, after the warm-up (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @CommandLine.Option(names = "--interval", paramLabel = "DURATION", defaultValue = "10s", converter = SandboxOptions.DurationConverter.class,
            description = "Every policy's interval (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @CommandLine.Option(names = "--warmup", paramLabel = "DURATION", converter = SandboxOptions.DurationConverter.class,
            description = "Left out of every figure, once every rollout has started (its first tick creates its CanaryRollout"
                    + " and starts its first step; the time that takes is reported) (default: two intervals).")
    Duration warmup;

    @CommandLine.Option(names = "--broken", paramLabel = "K", defaultValue = "0",
            description = "Of the policies, K have a check whose query Prometheus refuses at every tick (default: ${DEFAULT-VALUE}).")
    int broken;

    @CommandLine.Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    /** What is wrong with the options, in one line; null when they can be run. */
    String problem() {
        if (rollouts < 1 || rollouts > MAX_ROLLOUTS) return "--rollouts must be between 1 and " + MAX_ROLLOUTS + ", not " + rollouts;
        if (broken < 0 || broken > rollouts) return "--broken must be between 0 and --rollouts (" + rollouts + "), not " + broken;
        if (interval.compareTo(Duration.ofSeconds(1)) < 0 || interval.compareTo(Duration.ofMinutes(5)) > 0) {
            return "--interval must be between 1s and 5m";
        }
        if (warmup != null && warmup.isNegative()) return "--warmup must not be negative";
        if (duration.compareTo(interval.multipliedBy(2)) < 0) {
            return "--duration must be at least two intervals (" + interval.multipliedBy(2).toSeconds() + " s)";
        }
        if (duration.compareTo(Duration.ofHours(2)) > 0) return "--duration must be at most 2h";
        return null;
    }

    /** Left out of every figure after every rollout started: the first steps' first looks at Prometheus. */
    Duration warmup() {
        return warmup != null ? warmup : interval.multipliedBy(2);
    }

    BenchFleet fleet() {
        return new BenchFleet(rollouts, interval, broken);
    }
}
