package dev.aviary.sandbox;

import dev.aviary.rollout.Phase;
import dev.aviary.sim.ArmBehaviour;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How the simulated canary serves in a rehearsal, and how a correct policy must end the rollout. */
public enum CanaryScenario {
    GOOD("a canary that serves like the baseline", Phase.Promoted),
    ERRORS("a canary with 5x the baseline's error rate", Phase.RolledBack),
    LATENCY("a canary 50% slower than the baseline", Phase.RolledBack),
    /**
     * Serves exactly like the baseline, so only a shadow check comparing the arms' answers can catch it: the models
     * behind the policy's replay endpoints must predict differently (the shadow demo's bad canary does).
     */
    DISAGREES("a canary that serves like the baseline but predicts differently", Phase.RolledBack);

    private final String description;
    private final Phase expected;

    CanaryScenario(String description, Phase expected) {
        this.description = description;
        this.expected = expected;
    }

    public ArmBehaviour canary(ArmBehaviour baseline) {
        return switch (this) {
            case GOOD, DISAGREES -> baseline;
            case ERRORS -> new ArmBehaviour(Math.min(1, baseline.errorRate() * 5), baseline.latencyMedianMs(), baseline.latencySigma());
            case LATENCY -> baseline.slowerBy(1.5);
        };
    }

    public String description() {
        return description;
    }

    /** The phase a policy that works must bring this canary to. */
    public Phase expected() {
        return expected;
    }

    /** The name on the command line: good, errors, latency, disagrees. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the accepted values */
    public static CanaryScenario parse(String text) {
        for (CanaryScenario s : values()) {
            if (s.label().equalsIgnoreCase(text == null ? "" : text.trim())) return s;
        }
        throw new IllegalArgumentException("unknown scenario '" + text + "'; use one of " + labels());
    }

    public static String labels() {
        return Arrays.stream(values()).map(CanaryScenario::label).collect(Collectors.joining(", "));
    }
}
