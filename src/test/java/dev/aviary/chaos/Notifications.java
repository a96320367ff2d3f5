package dev.aviary.chaos;

import dev.aviary.notify.Outbox;
import dev.aviary.rollout.Decision;
import dev.aviary.rollout.RolloutEvent;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The outboxes' books over the whole run, every replica's outbox included: what each was handed for the channel
 * (enqueued) and what became of it (delivered, failed, dropped), and which rollouts had their final decision handed
 * to an outbox at all.
 */
final class Notifications implements Outbox.Watch {

    private final AtomicLong enqueued = new AtomicLong();
    private final Map<Result, AtomicLong> results = new ConcurrentHashMap<>();
    /** policy (namespace/name) → the terminal decisions (PROMOTE, ROLLBACK) handed to an outbox */
    private final Map<String, Set<Decision>> finals = new ConcurrentHashMap<>();

    /** The channel as an outbox sees it, counting every event it takes (one delivery each: one webhook per policy). */
    Outbox.Channel counting(Outbox.Channel channel) {
        return new Outbox.Channel() {
            @Override
            public String name() {
                return channel.name();
            }

            @Override
            public boolean wants(RolloutEvent e) {
                boolean wanted = channel.wants(e);
                if (wanted) {
                    enqueued.incrementAndGet();
                    if (e.decision() == Decision.PROMOTE || e.decision() == Decision.ROLLBACK) {
                        finals.computeIfAbsent(e.policy(), n -> ConcurrentHashMap.newKeySet()).add(e.decision());
                    }
                }
                return wanted;
            }

            @Override
            public List<Outbox.Delivery> deliveries(RolloutEvent e) {
                return channel.deliveries(e);
            }
        };
    }

    @Override
    public void delivery(String channel, Result result) {
        results.computeIfAbsent(result, r -> new AtomicLong()).incrementAndGet();
    }

    long enqueued() {
        return enqueued.get();
    }

    long count(Result result) {
        AtomicLong n = results.get(result);
        return n == null ? 0 : n.get();
    }

    /** Handed over and not yet delivered, failed or dropped: 0 once every outbox is drained, unless one lost some. */
    long unaccounted() {
        return enqueued() - count(Result.DELIVERED) - count(Result.FAILED) - count(Result.DROPPED);
    }

    Set<Decision> finals(String policy) {
        return finals.getOrDefault(policy, Set.of());
    }
}
