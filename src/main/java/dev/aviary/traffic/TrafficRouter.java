package dev.aviary.traffic;

import dev.aviary.cache.Kind;
import dev.aviary.policy.Target;
import java.util.List;

/**
 * Reads and moves traffic on one kind of target: the extension point for meshes. One class per backend
 * ({@code traffic.istio}, {@code traffic.kserve}), each taking its own kind of {@link Target}: a router needs the
 * target (which names the arms) and the namespace it lives in, nothing else of the policy. A router touches only
 * the managed fields and writes only conditionally on the resourceVersion it was given.
 *
 * @param <T> the kind of target this router moves
 */
public interface TrafficRouter<T extends Target> {

    /** The kind of target this router handles: a rollout picks its router by it. */
    Class<T> targetType();

    /** What this router reads in a target's namespace: the daemon watches these kinds there, so a tick reads a cache. */
    default List<Kind<?>> watched() {
        return List.of();
    }

    /**
     * The metric label values of the two arms (for Istio resolved through the DestinationRule subsets' version
     * labels unless the target names them).
     */
    ArmLabels armLabels(T target, String namespace) throws TargetException;

    /** Read the managed routing of the target. */
    LiveTraffic read(T target, String namespace) throws TargetException;

    /**
     * Set the managed routing to {@code desired}, only if the target is still at {@code resourceVersion}.
     *
     * @return the target's new resourceVersion
     * @throws TargetException.Conflict when the target changed since it was read (HTTP 409): re-read and re-decide
     */
    String apply(T target, String namespace, TrafficSplit desired, String resourceVersion) throws TargetException;

    /**
     * Where each arm can be asked directly, for a shadow check that names no endpoints. The default knows of no way:
     * the policy must name them.
     *
     * @throws TargetException.Invalid when the arms cannot be reached directly; the message says what to write
     */
    default ArmEndpoints endpoints(T target, String namespace, ArmLabels arms) throws TargetException {
        throw new TargetException.Invalid("Aviary cannot reach the arms of " + target.describe()
                + " directly; name them in the check's source.replay.endpoints (baseline: URL, canary: URL)");
    }
}
