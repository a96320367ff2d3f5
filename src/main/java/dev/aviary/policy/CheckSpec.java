package dev.aviary.policy;

/**
 * One check of a policy, as its check type read it. Each check type (package {@code checks}) has its own record
 * with the fields it takes; the policy only knows that a check has a name, unique within the policy.
 */
public interface CheckSpec {

    /** Names the check in verdicts, events and metrics. */
    String name();
}
