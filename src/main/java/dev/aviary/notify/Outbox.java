package dev.aviary.notify;

import dev.aviary.secrets.Redactor;
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
 * receiver never delays a decision, and one channel's trouble never holds up another. Each destination of a channel
 * (each Slack Secret, each webhook) is retried on its own: a broken one neither blocks nor duplicates the others.
 * A full queue drops the event for that channel with a warning rather than block the rollout loop. Events are
 * redacted once, here, before any channel sees them.
 */
public final class Outbox implements Notifier, AutoCloseable {

    /** Where events go: Kubernetes Events, a log, Slack, a webhook. */
    public interface Channel {
        String name();

        /** Whether this channel wants the event (most skip routine HOLDs). */
        default boolean wants(RolloutEvent e) {
            return e.noteworthy();
        }

        /** What the event sends on this channel: one delivery per destination. */
        List<Delivery> deliveries(RolloutEvent e);
    }

    /**
     * One message to one destination.
     *
     * @param destination names it for people without revealing it: "Slack webhook from Secret default/slack-ml"
     */
    public record Delivery(String destination, Send send) {
        @FunctionalInterface
        public interface Send {
            void run() throws Exception;
        }
    }

    /** What became of each delivery, per channel (Aviary's own metrics listen here); must return at once. */
    public interface Watch {
        enum Result { DELIVERED, FAILED, DROPPED }

        Watch NONE = (channel, result) -> { };

        void delivery(String channel, Result result);
    }

    private static final Logger LOG = Logger.getLogger(Outbox.class);

    private final List<Lane> lanes;
    private final Redactor redactor;
    private final int attempts;
    private final long firstBackoffMs;
    private final Watch watch;

    public Outbox(List<Channel> channels, Redactor redactor, int queueSize, int attempts, long firstBackoffMs) {
        this(channels, redactor, queueSize, attempts, firstBackoffMs, Watch.NONE);
    }

    public Outbox(List<Channel> channels, Redactor redactor, int queueSize, int attempts, long firstBackoffMs, Watch watch) {
        this.watch = watch;
        this.redactor = redactor;
        this.attempts = attempts;
        this.firstBackoffMs = firstBackoffMs;
        this.lanes = channels.stream().map(c -> new Lane(c, queueSize)).toList();
    }

    @Override
    public void publish(RolloutEvent event) {
        RolloutEvent clean = event.redacted(redactor::redact);
        for (Lane lane : lanes) {
            if (!lane.channel.wants(clean)) continue;
            try {
                lane.executor.execute(() -> deliverAll(lane.channel, clean));
            } catch (RejectedExecutionException e) {
                LOG.warnf("notification queue of %s is full; dropped: %s", lane.channel.name(), clean.headline());
                watch.delivery(lane.channel.name(), Watch.Result.DROPPED);
            }
        }
    }

    private void deliverAll(Channel channel, RolloutEvent event) {
        List<Delivery> deliveries;
        try {
            deliveries = channel.deliveries(event);
        } catch (RuntimeException e) {
            LOG.warnf("%s: cannot deliver %s (%s)", channel.name(), event.headline(), reason(e));
            watch.delivery(channel.name(), Watch.Result.FAILED);
            return;
        }
        for (Delivery d : deliveries) {
            if (Thread.currentThread().isInterrupted()) return;
            deliver(channel, d, event);
        }
    }

    private void deliver(Channel channel, Delivery delivery, RolloutEvent event) {
        long backoff = firstBackoffMs;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                delivery.send().run();
                watch.delivery(channel.name(), Watch.Result.DELIVERED);
                return;
            } catch (Exception e) {
                if (attempt == attempts) {
                    LOG.warnf("%s: gave up on %s after %d attempts: %s (%s)", channel.name(), delivery.destination(), attempts,
                            event.headline(), reason(e));
                    watch.delivery(channel.name(), Watch.Result.FAILED);
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

    /** Why a delivery failed, in one line, without secrets. */
    private String reason(Exception e) {
        String m = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
        return redactor.redact(m).replaceAll("\\R", " ");
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
