package dev.aviary.policy;

/**
 * One check of a policy, as its check type read it. Each check type (package {@code checks}) has its own record
 * with the fields it takes; the policy only knows that a check has a name, unique within the policy.
 */
public interface CheckSpec {

    /** Names the check in verdicts, events and metrics. */
    String name();

    /**
     * Whether the check sends requests to each arm directly at endpoints derived from the target (a replay shadow
     * check that names no endpoints): the router then keeps a way to reach each arm (for Istio, routes pinned by an
     * Aviary-only header) while the rollout runs.
     */
    default boolean reachesArmsDirectly() {
        return false;
    }
}
