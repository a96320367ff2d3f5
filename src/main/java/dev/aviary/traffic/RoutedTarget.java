package dev.aviary.traffic;

import dev.aviary.policy.Target;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One policy's target bound to the router of its kind: what a rollout reads and moves, with the target's type
 * checked once, here, rather than at every call.
 */
public record RoutedTarget<T extends Target>(TrafficRouter<T> router, T target, String namespace) {

    public RoutedTarget {
        Objects.requireNonNull(router, "router");
        Objects.requireNonNull(target, "target");
    }

    /** The first router that handles {@code target}'s kind, bound to it; empty when none does. */
    public static Optional<RoutedTarget<?>> find(List<? extends TrafficRouter<?>> routers, Target target, String namespace) {
        if (target == null) return Optional.empty();
        for (TrafficRouter<?> router : routers) {
            Optional<RoutedTarget<?>> bound = bind(router, target, namespace);
            if (bound.isPresent()) return bound;
        }
        return Optional.empty();
    }

    private static <K extends Target> Optional<RoutedTarget<?>> bind(TrafficRouter<K> router, Target target, String namespace) {
        Class<K> type = router.targetType();
        return type.isInstance(target) ? Optional.of(new RoutedTarget<>(router, type.cast(target), namespace)) : Optional.empty();
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
