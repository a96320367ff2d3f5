package dev.aviary.telemetry;

import dev.aviary.metrics.prometheus.QueryWatch;
import dev.aviary.notify.Outbox;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Aviary's own metrics (served on {@code /q/metrics}): the registry, and the daemon's health as the engine, the
 * Prometheus client, the Kubernetes client and the notification outbox report it. The rollouts' own series are
 * {@link RolloutMetrics}. Every label comes from a fixed set (a phase, a channel, an HTTP verb...) or from a policy
 * (namespace, name, check): never a message, a URL or a secret.
 */
public final class Telemetry implements QueryWatch, Outbox.Watch {

    /** Seconds: a tick or a query takes milliseconds when all is well, up to the Prometheus timeout when not. */
    private static final double[] SECONDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    /** Lag: the engine wakes every second, so up to a second is on time; more is a tick that waited. */
    private static final double[] LAG = {0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Histogram tickDuration;
    private final Histogram tickLag;
    private final Counter ticksSkipped;
    private final Histogram queryDuration;
    private final Counter queryErrors;
    private final Counter kubernetesRequests;
    private final Counter notifications;
    private volatile BooleanSupplier leading = () -> false;
    private volatile Predicate<String> drives = key -> leading();
    private volatile RequestWatch requestWatch = (verb, resource) -> { };

    /**
     * Hears each request of the application's Kubernetes client as it is sent, on the thread that sends it: the scale
     * benchmark tells a tick's requests (a rollout worker's) from the watch caches'. Must return at once.
     */
    public interface RequestWatch {
        void sending(String verb, String resource);
    }

    public Telemetry() {
        tickDuration = Histogram.builder().name("aviary_tick_duration_seconds")
                .help("How long a policy's tick took: read, judge, write; result is ok, conflict (someone wrote the "
                        + "CanaryRollout meanwhile) or failed (the CanaryRollout out of reach)")
                .labelNames("result").classicUpperBounds(SECONDS).classicOnly().register(registry);
        tickLag = Histogram.builder().name("aviary_tick_lag_seconds")
                .help("How late a tick started after it was due (its interval after the last one)")
                .classicUpperBounds(LAG).classicOnly().register(registry);
        ticksSkipped = Counter.builder().name("aviary_ticks_skipped_total")
                .help("Due ticks not run: in_flight (the rollout's last tick still runs) or queue_full (every worker busy "
                        + "and the queue full); each runs at its next slot")
                .labelNames("reason").register(registry);
        GaugeWithCallback.builder().name("aviary_leader")
                .help("1 while this replica drives rollouts (holds a shard Lease, or needs none), 0 while it stands by")
                .callback(cb -> cb.call(leading.getAsBoolean() ? 1 : 0)).register(registry);
        queryDuration = Histogram.builder().name("aviary_prometheus_query_duration_seconds")
                .help("How long each query to Prometheus took, answered or not")
                .classicUpperBounds(SECONDS).classicOnly().register(registry);
        queryErrors = Counter.builder().name("aviary_prometheus_query_errors_total")
                .help("Queries to Prometheus that failed, by reason: unavailable, bad_query, misconfigured")
                .labelNames("reason").register(registry);
        kubernetesRequests = Counter.builder().name("aviary_kubernetes_requests_total")
                .help("Requests to the Kubernetes API by verb, resource and HTTP status code (none: no answer)")
                .labelNames("verb", "resource", "code").register(registry);
        notifications = Counter.builder().name("aviary_notifications_total")
                .help("Notifications by channel and result: delivered, failed (after every retry) or dropped (queue full)")
                .labelNames("channel", "result").register(registry);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** Where the leader gauge reads from (the engine, once it exists). */
    public void leaderFrom(BooleanSupplier leading) {
        this.leading = leading;
    }

    public boolean leading() {
        return leading.getAsBoolean();
    }

    /** Which rollouts this replica drives (the engine's shards); until told, all of them while it leads. */
    public void drivesFrom(Predicate<String> drives) {
        this.drives = drives;
    }

    /** Whether this replica drives the rollout: only its driver reports the rollout's state, or two pods would. */
    public boolean drives(String rolloutKey) {
        return drives.test(rolloutKey);
    }

    public void ticked(Duration took, String result) {
        tickDuration.labelValues(result).observe(seconds(took));
    }

    public void tickSkipped(String reason) {
        ticksSkipped.labelValues(reason).inc();
    }

    public void tickLate(Duration lag) {
        tickLag.observe(Math.max(0, seconds(lag)));
    }

    @Override
    public void queried(double seconds, Failure failure) {
        queryDuration.observe(seconds);
        if (failure != null) queryErrors.labelValues(failure.name().toLowerCase(Locale.ROOT)).inc();
    }

    @Override
    public void delivery(String channel, Result result) {
        notifications.labelValues(channel, result.name().toLowerCase(Locale.ROOT)).inc();
    }

    public void watchKubernetesRequests(RequestWatch watch) {
        this.requestWatch = watch;
    }

    void kubernetesRequestSending(String verb, String resource) {
        requestWatch.sending(verb, resource);
    }

    void kubernetesRequest(String verb, String resource, String code) {
        kubernetesRequests.labelValues(verb, resource, code).inc();
    }

    /** The Prometheus text format of every metric. */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    public static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
