package dev.aviary.daemon;

import dev.aviary.cache.Kind;
import dev.aviary.cache.WatchCache;
import dev.aviary.policy.Policy;
import dev.aviary.rollout.RolloutRepository;
import dev.aviary.traffic.TrafficRouters;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps the watch cache on the namespaces that have policies: in each, the CanaryRollouts and what the policies'
 * routers read. Called with the active policies after every reload, so a policy in a new namespace starts its
 * watches, and the last policy of a namespace leaving stops them.
 */
public final class PolicyWatches {

    private final WatchCache cache;
    private final TrafficRouters routers;

    public PolicyWatches(WatchCache cache, TrafficRouters routers) {
        this.cache = cache;
        this.routers = routers;
    }

    public void follow(Collection<Policy> policies) {
        Map<String, Set<Kind<?>>> wanted = new HashMap<>();
        for (Policy p : policies) {
            Set<Kind<?>> kinds = wanted.computeIfAbsent(p.namespace(), ns -> new HashSet<>());
            kinds.add(RolloutRepository.KIND);
            routers.route(p.target(), p.namespace()).ifPresent(r -> kinds.addAll(r.router().watched()));
        }
        cache.follow(wanted);
    }

    public void stop() {
        follow(List.of());
    }
}
