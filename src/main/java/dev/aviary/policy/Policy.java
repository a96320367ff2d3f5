package dev.aviary.policy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One validated rollout policy (a CanaryPolicy file). Immutable: a changed file yields a new Policy,
 * and the old one stays in force until the new one validates.
 *
 * @param source   the file it was read from (for messages), may be null for policies built in code
 * @param hash     a digest of the file's content, recorded in the CanaryRollout so a changed policy is visible
 */
public record Policy(
        String name,
        String namespace,
        Target target,
        Duration interval,
        List<Step> steps,
        Duration maxStepDuration,
        TimeoutAction onTimeout,
        NoDataRule noData,
        List<CheckSpec> checks,
        double alpha,
        long minRequests,
        List<NotifySpec> notifications,
        Path source,
        String hash) {

    public Policy {
        steps = List.copyOf(steps);
        checks = List.copyOf(checks);
        notifications = List.copyOf(notifications);
    }

    /** Namespace/name, the key a policy is known by. */
    public String key() {
        return namespace + "/" + name;
    }

    /**
     * Whether the rollout's splits keep routes that pin a request to each arm: its target reaches arms only that way
     * and a check asks the arms directly at derived endpoints ({@link CheckSpec#reachesArmsDirectly()}).
     */
    public boolean pinsArms() {
        return target != null && target.pinsArmsByRoute() && checks.stream().anyMatch(CheckSpec::reachesArmsDirectly);
    }

    /**
     * The traffic step whose split is live during step {@code index}: that step, or for a pause step the last traffic
     * step before it (a pause holds its weights); null for a pause before any traffic step (the canary gets nothing).
     */
    public Step servedStep(int index) {
        for (int i = index; i >= 0; i--) if (!steps.get(i).isGate()) return steps.get(i);
        return null;
    }

    public enum TimeoutAction { ROLLBACK, PAUSE }

    /** What to do when a check has had no data for longer than {@code tolerate}. */
    public record NoDataRule(Duration tolerate, TimeoutAction then) {}
}
