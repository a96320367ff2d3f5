package dev.aviary.daemon;

import dev.aviary.cache.WatchCache;
import dev.aviary.checks.CheckTypes;
import dev.aviary.metrics.MetricSource;
import dev.aviary.metrics.RoutedSource;
import dev.aviary.metrics.prometheus.PrometheusSource;
import dev.aviary.notify.ChannelSecrets;
import dev.aviary.rollout.Notifier;
import dev.aviary.notify.Outbox;
import dev.aviary.notify.HttpDelivery;
import dev.aviary.notify.kubernetes.KubernetesEvents;
import dev.aviary.notify.kubernetes.KubernetesSecrets;
import dev.aviary.notify.slack.SlackChannel;
import dev.aviary.notify.webhook.WebhookChannel;
import dev.aviary.notify.log.LogChannel;
import dev.aviary.policy.Policy;
import dev.aviary.policy.PolicyLoader;
import dev.aviary.policy.PolicyStore;
import dev.aviary.rollout.RolloutController;
import dev.aviary.rollout.RolloutRepository;
import dev.aviary.rollout.TickListener;
import dev.aviary.secrets.Redactor;
import dev.aviary.series.SeriesRecorder;
import dev.aviary.shadow.ReplayMeasure;
import dev.aviary.shadow.Protocols;
import dev.aviary.shadow.ShadowSource;
import dev.aviary.shadow.StoredRequests;
import dev.aviary.telemetry.KubernetesRequests;
import dev.aviary.telemetry.RolloutMetrics;
import dev.aviary.telemetry.Telemetry;
import dev.aviary.traffic.TrafficRouters;
import dev.aviary.traffic.istio.IstioRouter;
import dev.aviary.traffic.kserve.KServeRouter;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/** Wires the plain-Java parts into the application; each part stays free of Quarkus types. */
public class Beans {

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }

    /** Every secret read anywhere is registered here; logs, Events, notifications and API answers pass through it. */
    @Produces
    @Singleton
    Redactor redactor() {
        return new Redactor();
    }

    /**
     * Quarkus' client as its producer builds it (its Config, its serialization, the HTTP client factory fabric8 finds),
     * plus a count of every request by verb, resource and code for Aviary's own metrics.
     */
    @Produces
    @Singleton
    KubernetesClient kubernetesClient(KubernetesSerialization serialization, Config config, Telemetry telemetry) {
        return new KubernetesClientBuilder().withKubernetesSerialization(serialization).withConfig(config)
                .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor(KubernetesRequests.NAME, new KubernetesRequests(telemetry)))
                .build();
    }

    void closeKubernetesClient(@Disposes KubernetesClient client) {
        client.close();
    }

    @Produces
    @Singleton
    PolicyStore policyStore(EngineConfig config, CheckTypes checks) {
        // the registry the controller judges with is the one the policies are validated with
        return new PolicyStore(Path.of(config.policies().dir()), new PolicyLoader(checks));
    }

    /** The daemon's reads; it watches nothing until the engine names the namespaces with policies. */
    @Produces
    @Singleton
    WatchCache watchCache(KubernetesClient client) {
        return new WatchCache(client);
    }

    void closeWatchCache(@Disposes WatchCache cache) {
        cache.close();
    }

    @Produces
    @Singleton
    PolicyWatches policyWatches(WatchCache cache, TrafficRouters routers) {
        return new PolicyWatches(cache, routers);
    }

    @Produces
    @Singleton
    RolloutRepository rollouts(KubernetesClient client, WatchCache cache) {
        return new RolloutRepository(client, cache);
    }

    @Produces
    @Singleton
    TrafficRouters routers(KubernetesClient client, WatchCache cache) {
        return TrafficRouters.of(new IstioRouter(client, cache), new KServeRouter(client, cache));
    }

    @Produces
    @Singleton
    CheckTypes checkTypes() {
        return new CheckTypes();
    }

    @Produces
    @Singleton
    Outbox outbox(KubernetesClient client, EngineConfig config, Redactor redactor, Telemetry telemetry) {
        ChannelSecrets secrets = new ChannelSecrets(new KubernetesSecrets(client), redactor);
        HttpDelivery http = new HttpDelivery();
        return new Outbox(List.of(new KubernetesEvents(client), new LogChannel(), new SlackChannel(secrets, http, config.statusUrl().orElse(null)),
                new WebhookChannel(secrets, http)), redactor, 1_000, 4, 500, telemetry);
    }

    void closeOutbox(@Disposes Outbox outbox) {
        outbox.close();
    }

    /** Replays stored requests to both arms for shadow checks; injected as itself only, so MetricSource stays one bean. */
    @Produces
    @Singleton
    @Typed(ShadowSource.class)
    ShadowSource shadowSource(CheckTypes checks, TrafficRouters routers, KubernetesClient client, Clock clock) {
        return new ShadowSource(checks, routers, new StoredRequests(client), Protocols.all(), clock);
    }

    void closeShadowSource(@Disposes ShadowSource shadow) {
        shadow.close();
    }

    /** What the controller measures with: replay checks from the shadow source, everything else from Prometheus. */
    @Produces
    @Singleton
    MetricSource metrics(CheckTypes checks, PrometheusSource prometheus, ShadowSource shadow) {
        return new RoutedSource(checks, Map.of(ReplayMeasure.class, shadow), prometheus);
    }

    /** Every rollout's recent ticks for the status page, in memory; rollouts whose policy is gone are dropped. */
    @Produces
    @Singleton
    SeriesRecorder series(Clock clock, PolicyStore policies) {
        return new SeriesRecorder(clock, () -> policies.active().stream().map(Policy::key).toList(), SeriesRecorder.DEFAULT_CAPACITY);
    }

    @Produces
    @Singleton
    RolloutController controller(RolloutRepository rollouts, TrafficRouters routers, MetricSource metrics, CheckTypes checks,
            Outbox outbox, Clock clock, RolloutMetrics rolloutMetrics, SeriesRecorder series, StatusConfig status) {
        Notifier notifier = outbox;
        return new RolloutController(rollouts, routers, metrics, checks::judge, checks.sampleRatioGuard(), notifier, clock,
                TickListener.all(List.of(rolloutMetrics, series)), status.refresh());
    }
}
