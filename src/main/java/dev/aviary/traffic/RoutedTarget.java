package dev.aviary.traffic;

import dev.aviary.policy.Target;

import java.util.Objects;

/**
 * One policy's target bound to the router of its kind ({@link TrafficRouters#route}): what a rollout reads and
 * moves, with the target's type checked once rather than at every call.
 */
public record RoutedTarget<T extends Target>(TrafficRouter<T> router, T target, String namespace) {

    public RoutedTarget {
        Objects.requireNonNull(router, "router");
        Objects.requireNonNull(target, "target");
    }

    public ArmLabels armLabels() throws TargetException {
        return router.armLabels(target, namespace);
    }

    public LiveTraffic read() throws TargetException {
        return router.read(target, namespace);
    }

    public String apply(TrafficSplit desired, String resourceVersion) throws TargetException {
        return router.apply(target, namespace, desired, resourceVersion);
    }
}
