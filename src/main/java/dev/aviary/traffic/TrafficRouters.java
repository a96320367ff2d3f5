package dev.aviary.traffic;

import dev.aviary.policy.Target;

import java.util.List;
import java.util.Optional;

/** The routers this build of Aviary has, one per kind of target; a rollout finds its own by its target's kind. */
public record TrafficRouters(List<TrafficRouter<?>> all) {

    public TrafficRouters {
        all = List.copyOf(all);
    }

    public static TrafficRouters of(TrafficRouter<?>... routers) {
        return new TrafficRouters(List.of(routers));
    }

    /** {@code target} bound to the first router that handles its kind; empty when none does. */
    public Optional<RoutedTarget<?>> route(Target target, String namespace) {
        if (target == null) return Optional.empty();
        for (TrafficRouter<?> router : all) {
            Optional<RoutedTarget<?>> bound = bind(router, target, namespace);
            if (bound.isPresent()) return bound;
        }
        return Optional.empty();
    }

    private static <K extends Target> Optional<RoutedTarget<?>> bind(TrafficRouter<K> router, Target target, String namespace) {
        Class<K> type = router.targetType();
        return type.isInstance(target) ? Optional.of(new RoutedTarget<>(router, type.cast(target), namespace)) : Optional.empty();
    }
}
