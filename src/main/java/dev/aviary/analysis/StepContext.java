package dev.aviary.analysis;

/**
 * What a judge needs to know about the step it judges.
 *
 * @param expectedCanaryShare the share of requests the routing should give the canary in this step
 *                            (canary / (canary + baseline)); NaN when the routing does not fix it
 *                            (a header-route step, whose share depends on who sends the header)
 * @param stepIndex           0-based index of the step in the policy
 * @param stepCount           how many steps the policy has
 * @param alpha               the false-rollback budget this check may spend over the whole rollout
 * @param minRequests         requests each arm must have in this step before any PASS
 */
public record StepContext(double expectedCanaryShare, int stepIndex, int stepCount, double alpha, long minRequests) {}
