package dev.aviary.notify;

import dev.aviary.rollout.Notifier;
import dev.aviary.rollout.RolloutEvent;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Hands each event to every channel on that channel's own worker, with retries and backoff, so a dead or slow
 * receiver never delays a decision, and one channel's trouble never holds up another. A full queue drops the
 * event for that channel with a warning rather than block the rollout loop.
 */
public final class Outbox implements Notifier, AutoCloseable {

    /** Where events go: Kubernetes Events, a log, Slack, a webhook. */
    public interface Channel {
        String name();

        /** Whether this channel wants the event (most skip routine HOLDs). */
        default boolean wants(RolloutEvent e) {
            return e.noteworthy();
        }

        void deliver(RolloutEvent e) throws Exception;
    }

    private static final Logger LOG = Logger.getLogger(Outbox.class);

    private final List<Lane> lanes;
    private final int attempts;
    private final long firstBackoffMs;

    public Outbox(List<Channel> channels, int queueSize, int attempts, long firstBackoffMs) {
        this.attempts = attempts;
        this.firstBackoffMs = firstBackoffMs;
        this.lanes = channels.stream().map(c -> new Lane(c, queueSize)).toList();
    }

    @Override
    public void publish(RolloutEvent event) {
        for (Lane lane : lanes) {
            if (!lane.channel.wants(event)) continue;
            try {
                lane.executor.execute(() -> deliver(lane.channel, event));
            } catch (RejectedExecutionException e) {
                LOG.warnf("notification queue of %s is full; dropped: %s", lane.channel.name(), event.headline());
            }
        }
    }

    private void deliver(Channel channel, RolloutEvent event) {
        long backoff = firstBackoffMs;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                channel.deliver(event);
                return;
            } catch (Exception e) {
                if (attempt == attempts) {
                    LOG.warnf("%s: gave up after %d attempts: %s (%s)", channel.name(), attempts, event.headline(), e.getMessage());
                    return;
                }
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff *= 2;
            }
        }
    }

    /** Waits up to the timeout for queued deliveries (tests, shutdown). */
    public void drain(long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        for (Lane lane : lanes) {
            while ((lane.executor.getActiveCount() > 0 || !lane.executor.getQueue().isEmpty()) && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
        }
    }

    @Override
    public void close() {
        lanes.forEach(l -> l.executor.shutdown());
    }

    private static final class Lane {
        final Channel channel;
        final ThreadPoolExecutor executor;

        Lane(Channel channel, int queueSize) {
            this.channel = channel;
            this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queueSize), r -> {
                Thread t = new Thread(r, "notify-" + channel.name());
                t.setDaemon(true);
                return t;
            });
        }
    }
}
