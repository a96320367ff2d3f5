package dev.aviary.cli;

import dev.aviary.policy.Durations;
import dev.aviary.sandbox.CanaryScenario;
import dev.aviary.sandbox.Dump;
import dev.aviary.sandbox.Rehearsal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * The options of {@code aviary sandbox}. Parsed twice: by {@link Main} before the application boots (to start the
 * sandbox the application is pointed at) and by the command itself, so both read them the same way.
 */
public final class SandboxOptions {

    /** Beyond this many simulated requests per second the simulator falls behind. */
    static final double MAX_SIMULATED_RPS = 5_000;

    @CommandLine.Option(names = "--manifests", required = true, paramLabel = "DIR",
            description = "Your VirtualServices, DestinationRules, Deployments and Services: every .yaml/.yml/.json file of DIR,"
                    + " documents separated by ---. Missing Services and Deployments are made up from the DestinationRule subsets.")
    Path manifests;

    @CommandLine.Option(names = "--policies", required = true, paramLabel = "DIR", description = "Your CanaryPolicy files.")
    Path policies;

    @CommandLine.Option(names = "--scenario", defaultValue = "good", paramLabel = "good|errors|latency|disagrees",
            converter = ScenarioConverter.class,
            description = "How the canary serves: good (like the baseline: expect promotion), errors (5x the baseline's error"
                    + " rate: expect rollback), latency (50%% slower: expect rollback), disagrees (like the baseline, but the"
                    + " models behind your shadow checks' endpoints answer differently: expect rollback). Default: ${DEFAULT-VALUE}.")
    CanaryScenario scenario;

    @CommandLine.Option(names = "--dump", paramLabel = "DIR",
            description = "Write the final state of every object (yours, the CanaryRollouts, the Events) as YAML, one file each.")
    Path dump;

    @CommandLine.Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Give up after this long, e.g. 10m (default: long enough for every step to reach its maxStepDuration, or twice it while short of data; at most 1h).")
    Duration timeout;

    @CommandLine.Option(names = "--rps", defaultValue = "20", description = "Requests per second each service gets in real time (default: ${DEFAULT-VALUE}).")
    double rps;

    @CommandLine.Option(names = "--speed", paramLabel = "N",
            description = "Run N times faster than real time; 1 is real time (default: as fast as the policies' intervals allow).")
    Integer speed;

    @CommandLine.Option(names = "--seed", defaultValue = "1", description = "Seed of the simulated traffic (default: ${DEFAULT-VALUE}).")
    long seed;

    /** The rehearsal these options describe, or every reason there is none. */
    Rehearsal.Prepared prepare() {
        List<String> problems = new ArrayList<>();
        if (!(rps > 0) || rps > MAX_SIMULATED_RPS) problems.add("--rps must be above 0 and at most " + (int) MAX_SIMULATED_RPS + ", was " + rps);
        if (speed != null && (speed < 1 || speed > 1_000)) problems.add("--speed must be between 1 (real time) and 1000, was " + speed);
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) problems.add("--timeout must be above 0");
        if (dump != null && Dump.unusable(dump) != null) problems.add(Dump.unusable(dump));
        if (!problems.isEmpty()) return new Rehearsal.Prepared(null, problems);
        Rehearsal.Prepared p = Rehearsal.prepare(manifests, policies, scenario,
                new Rehearsal.Traffic(rps, Rehearsal.DEFAULT_HEADER_SHARE, speed, seed));
        if (p.ok() && p.rehearsal().rps() * p.rehearsal().time().factor() > MAX_SIMULATED_RPS) {
            return new Rehearsal.Prepared(null, List.of("--rps " + rps + " at " + p.rehearsal().time().factor() + "x real time is more"
                    + " than the simulator sends (" + (int) MAX_SIMULATED_RPS + " rps); lower --rps or --speed"));
        }
        return p;
    }

    Duration timeLimit(Rehearsal r) {
        return timeout != null ? timeout : r.defaultTimeLimit();
    }

    /** good, errors, latency, disagrees (any case). */
    static final class ScenarioConverter implements CommandLine.ITypeConverter<CanaryScenario> {
        @Override
        public CanaryScenario convert(String value) {
            try {
                return CanaryScenario.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** 10m, 90s, 1h30m as in policies, or ISO-8601 (PT10M). */
    public static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return value.toUpperCase(java.util.Locale.ROOT).startsWith("PT") ? Duration.parse(value) : Durations.parse(value);
            } catch (IllegalArgumentException | DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration; write it like 10m, 90s or 1h30m");
            }
        }
    }
}
