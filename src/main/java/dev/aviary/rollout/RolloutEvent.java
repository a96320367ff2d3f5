package dev.aviary.rollout;

import dev.aviary.policy.NotifySpec;
import java.time.Instant;
import java.util.List;

/**
 * A decision worth telling people about. Carries no secrets: only what the CanaryRollout shows anyway.
 *
 * @param policy    namespace/name of the policy
 * @param namespace the target's namespace
 * @param target    "VirtualService/image-classifier"
 * @param step      1-based step number for people, 0 before the first step
 * @param weights   "70/30" (baseline/canary) after the decision
 * @param checks    the verdicts behind the decision
 * @param channels  the policy's own notification channels (Secret references, never the secrets)
 * @param failure   a HOLD because a tick failed unexpectedly: told once (not on every repeat), as a warning
 */
public record RolloutEvent(
        Instant at,
        String policy,
        String namespace,
        String target,
        Decision decision,
        Phase phase,
        int step,
        int steps,
        String weights,
        String message,
        List<CheckRecord> checks,
        List<NotifySpec> channels,
        boolean failure) {

    /** A decision (not a failure). */
    public RolloutEvent(Instant at, String policy, String namespace, String target, Decision decision, Phase phase, int step,
            int steps, String weights, String message, List<CheckRecord> checks, List<NotifySpec> channels) {
        this(at, policy, namespace, target, decision, phase, step, steps, weights, message, checks, channels, false);
    }

    public RolloutEvent {
        checks = List.copyOf(checks);
        channels = List.copyOf(channels);
    }

    /** The same event with its free text (the message, the checks' messages) passed through {@code redact}. */
    public RolloutEvent redacted(java.util.function.UnaryOperator<String> redact) {
        List<CheckRecord> clean = checks.stream()
                .map(c -> new CheckRecord(c.check(), c.outcome(), redact.apply(c.message()), c.evidence(), c.anytimeValid())).toList();
        return new RolloutEvent(at, policy, namespace, target, decision, phase, step, steps, weights, redact.apply(message), clean, channels, failure);
    }

    /** The policy's channels of one kind. */
    public List<NotifySpec> channels(NotifySpec.Kind kind) {
        return channels.stream().filter(c -> c.kind() == kind).toList();
    }

    /** Whether people should hear of it outside the CanaryRollout: not routine HOLDs, but a tick that started failing. */
    public boolean noteworthy() {
        return decision != Decision.HOLD || failure;
    }

    /** One line: "image-classifier: ADVANCE to step 3/4 (70/30): all checks pass". */
    public String headline() {
        return policy + ": " + decision + (step > 0 ? " step " + step + "/" + steps : "") + " (" + weights + ") -> " + phase + ": " + message;
    }
}
