package dev.aviary.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.aviary.policy.Durations;
import dev.aviary.policy.Policy;
import dev.aviary.policy.Step;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.stream.Collectors;

/**
 * Runs policies faster than real time: every duration of a policy (interval, minDuration, maxStepDuration,
 * noData.tolerate) is divided by {@code factor} and the simulated traffic multiplied by it, so each step sees as many
 * requests, and is judged as many times, as it would be in a cluster. Latency bounds ({@code slowerThan}) are not
 * time and stay as written.
 *
 * @param factor how many times faster than real time; 1 is real time
 */
public record TimeScale(int factor) {

    /** The shortest interval a rehearsal judges at: Prometheus scrapes the mesh every second. */
    public static final Duration FASTEST_INTERVAL = Duration.ofSeconds(2);

    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).build());

    public TimeScale {
        if (factor < 1) throw new IllegalArgumentException("the speed-up must be at least 1, was " + factor);
    }

    /** As fast as the policies allow: their shortest interval becomes {@link #FASTEST_INTERVAL}. */
    public static TimeScale fitting(Collection<Policy> policies) {
        long shortest = policies.stream().mapToLong(p -> p.interval().toMillis()).min().orElse(FASTEST_INTERVAL.toMillis());
        return new TimeScale((int) Math.max(1, Math.min(1_000, shortest / FASTEST_INTERVAL.toMillis())));
    }

    public boolean isRealTime() {
        return factor == 1;
    }

    public Duration compress(Duration d) {
        return d.dividedBy(factor);
    }

    /** The longest a policy's rollout can take before each step's timeout acts (a step short of data waits longer), in this time. */
    public Duration longestRollout(Policy p) {
        return compress(dev.aviary.rollout.Decider.longestStep(p).multipliedBy(p.steps().size()));
    }

    /** "interval 30s → 2s, steps 5m/10m/10m/30s → 20s/40s/40s/2s, maxStepDuration 1h → 4m, noData.tolerate 5m → 20s". */
    public String describe(Policy p) {
        return "interval " + change(p.interval())
                + ", steps " + p.steps().stream().map(s -> Durations.format(s.minDuration())).collect(Collectors.joining("/"))
                + " → " + p.steps().stream().map(s -> Durations.format(compress(s.minDuration()))).collect(Collectors.joining("/"))
                + ", maxStepDuration " + change(p.maxStepDuration())
                + ", noData.tolerate " + change(p.noData().tolerate());
    }

    private String change(Duration d) {
        return Durations.format(d) + " → " + Durations.format(compress(d));
    }

    /**
     * The policy file as the sandbox runs it: every duration compressed and written out (defaults included), and
     * no {@code notify} channels, so a rehearsal never posts to a real Slack or webhook. Returns the text unchanged
     * when there is nothing to change.
     *
     * @param p the policy {@code yaml} validated to, for its effective durations
     */
    public String rewrite(String yaml, Policy p) throws IOException {
        JsonNode root = YAML.readTree(yaml);
        ObjectNode spec = root instanceof ObjectNode o && o.get("spec") instanceof ObjectNode s ? s : null;
        if (spec == null) throw new IOException("no spec mapping in the policy");
        boolean notify = spec.has("notify");
        if (isRealTime() && !notify) return yaml;
        spec.remove("notify");
        if (!isRealTime()) {
            spec.put("interval", Durations.format(compress(p.interval())));
            spec.put("maxStepDuration", Durations.format(compress(p.maxStepDuration())));
            ObjectNode noData = spec.get("noData") instanceof ObjectNode n ? n : spec.putObject("noData");
            noData.put("tolerate", Durations.format(compress(p.noData().tolerate())));
            if (!(spec.get("steps") instanceof ArrayNode steps) || steps.size() != p.steps().size()) {
                throw new IOException("the policy's steps do not read back as a list of " + p.steps().size());
            }
            for (int i = 0; i < steps.size(); i++) {
                if (!(steps.get(i) instanceof ObjectNode step)) throw new IOException("step " + (i + 1) + " is not a mapping");
                Step.Gate gate = p.steps().get(i).pause();
                if (gate == null) {
                    step.put("minDuration", Durations.format(compress(p.steps().get(i).minDuration())));
                } else if (gate.duration() != null && step.get("pause") instanceof ObjectNode pause) {
                    // a pause step has no minDuration; a timed one's duration is time like any other
                    pause.put("duration", Durations.format(compress(gate.duration())));
                }
            }
        }
        return "# " + (isRealTime() ? "" : "compressed " + factor + "x by the sandbox; ") + "notify channels are not called in a"
                + " rehearsal\n" + YAML.writeValueAsString(root);
    }
}
