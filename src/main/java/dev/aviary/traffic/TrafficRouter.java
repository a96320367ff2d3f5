package dev.aviary.traffic;

import dev.aviary.policy.Policy;

/**
 * Reads and moves traffic on one kind of target: the extension point for meshes. One class per backend
 * ({@code traffic.istio}, {@code traffic.kserve}). A router touches only the managed fields and writes only
 * conditionally on the resourceVersion it was given.
 */
public interface TrafficRouter {

    /** Whether this router handles the policy's target. */
    boolean supports(Policy policy);

    /**
     * The metric label values of the two arms (for Istio resolved through the DestinationRule subsets' version
     * labels unless the policy names them).
     */
    ArmLabels armLabels(Policy policy) throws TargetException;

    /** Read the managed routing of the policy's target. */
    LiveTraffic read(Policy policy) throws TargetException;

    /**
     * Set the managed routing to {@code desired}, only if the target is still at {@code resourceVersion}.
     *
     * @return the target's new resourceVersion
     * @throws TargetException.Conflict when the target changed since it was read (HTTP 409): re-read and re-decide
     */
    String apply(Policy policy, TrafficSplit desired, String resourceVersion) throws TargetException;
}
