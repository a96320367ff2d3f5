package dev.aviary.chaos;

import dev.aviary.cache.WatchCache;
import dev.aviary.checks.CheckTypes;
import dev.aviary.daemon.Engine;
import dev.aviary.daemon.PolicyWatches;
import dev.aviary.daemon.ReplicaHooks;
import dev.aviary.daemon.TestEngineConfig;
import dev.aviary.metrics.prometheus.PrometheusClient;
import dev.aviary.metrics.prometheus.PrometheusSource;
import dev.aviary.metrics.prometheus.TestPrometheusConfig;
import dev.aviary.notify.ChannelSecrets;
import dev.aviary.notify.HttpDelivery;
import dev.aviary.notify.Outbox;
import dev.aviary.notify.kubernetes.KubernetesSecrets;
import dev.aviary.notify.webhook.WebhookChannel;
import dev.aviary.policy.PolicyLoader;
import dev.aviary.policy.PolicyStore;
import dev.aviary.rollout.RolloutController;
import dev.aviary.rollout.RolloutRepository;
import dev.aviary.secrets.Redactor;
import dev.aviary.telemetry.Telemetry;
import dev.aviary.traffic.TrafficRouters;
import dev.aviary.traffic.istio.IstioRouter;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One Aviary pod, wired as {@code daemon.Beans} wires the application: its own Kubernetes client, watch caches,
 * policy store, Prometheus source, outbox (the webhook channel only) and engine with shard Leases.
 */
final class Replica {

    /** How every replica is set up; the outbox's retries are short so a dead receiver's account closes within the run. */
    record Settings(Path policies, String prometheusUrl, int shards, Duration lease, Duration renew, Duration retry, int outboxQueue,
            int outboxAttempts, long outboxBackoffMs) {}

    final String name;
    private final KubernetesClient client;
    private final WatchCache cache;
    private final Outbox outbox;
    private final Engine engine;
    private final AtomicLong ticks = new AtomicLong();

    Replica(String name, FaultyApiServer api, Settings s, Notifications notifications) {
        this.name = name;
        this.client = api.client();
        this.cache = new WatchCache(client);
        CheckTypes checks = new CheckTypes();
        Redactor redactor = new Redactor();
        PolicyStore store = new PolicyStore(s.policies(), new PolicyLoader(checks));
        TrafficRouters routers = TrafficRouters.of(new IstioRouter(client, cache));
        TestPrometheusConfig prometheus = new TestPrometheusConfig(s.prometheusUrl());
        PrometheusSource metrics = new PrometheusSource(new PrometheusClient(prometheus, redactor), prometheus, checks, Clock.systemUTC());
        WebhookChannel webhook = new WebhookChannel(new ChannelSecrets(new KubernetesSecrets(client), redactor), new HttpDelivery());
        outbox = new Outbox(List.of(notifications.counting(webhook)), redactor, s.outboxQueue(), s.outboxAttempts(), s.outboxBackoffMs(),
                notifications);
        RolloutController controller = new RolloutController(new RolloutRepository(client, cache), routers, metrics, checks::judge,
                checks.sampleRatioGuard(), outbox, Clock.systemUTC(), (policy, result) -> ticks.incrementAndGet(), Duration.ofMinutes(5));
        TestEngineConfig config = new TestEngineConfig(s.policies(), 2, 64, true, "aviary-shard", s.shards(), s.lease(), s.renew(), s.retry());
        engine = new Engine(store, controller, config, client, new PolicyWatches(cache, routers), Clock.systemUTC(), new Telemetry());
    }

    Replica start() {
        engine.start();
        return this;
    }

    /** The scheduler's wake-up. */
    void beat() {
        ReplicaHooks.beat(engine);
    }

    int shards() {
        return engine.shards().size();
    }

    long ticks() {
        return ticks.get();
    }

    /**
     * Dies without a word: the engine stops (its Leases are left to expire) and its watches with it. Its outbox is
     * left to work off what it was handed, so its account can be closed; the client goes with {@link #close()}.
     */
    void kill() {
        ReplicaHooks.kill(engine);
        outbox.close();
        cache.close();
    }

    /** Shuts down as a pod told to stop does: the engine releases its Leases. */
    void stop() {
        engine.stop();
        outbox.close();
        cache.close();
    }

    void close() {
        client.close();
    }

    void drain(long timeoutMs) throws InterruptedException {
        outbox.drain(timeoutMs);
    }
}
