package dev.aviary.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.aviary.metrics.prometheus.PrometheusClient;
import dev.aviary.metrics.prometheus.PrometheusException;
import dev.aviary.metrics.prometheus.TestPrometheusConfig;
import dev.aviary.notify.Outbox;
import dev.aviary.rollout.Decision;
import dev.aviary.rollout.Phase;
import dev.aviary.rollout.RolloutEvent;
import dev.aviary.secrets.Redactor;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The daemon's own health metrics, fed by the real Prometheus client, Kubernetes client and outbox. */
@EnableKubernetesMockClient(crud = true)
class TelemetryTest {

    static KubernetesClient client;

    private final Telemetry telemetry = new Telemetry();

    private Scrape scrape() {
        return Scrape.parse(new String(telemetry.scrape(), StandardCharsets.UTF_8));
    }

    @Test
    void prometheusQueriesAreTimedAndTheirFailuresCountedByReason() throws Exception {
        HttpServer prometheus = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        prometheus.createContext("/api/v1/query", ex -> {
            boolean bad = ex.getRequestURI().getRawQuery().contains("broken");
            byte[] body = (bad ? "{\"status\":\"error\",\"error\":\"parse error\"}"
                    : "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(bad ? 400 : 200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        prometheus.start();
        try {
            String url = "http://127.0.0.1:" + prometheus.getAddress().getPort();
            PrometheusClient client = new PrometheusClient(new TestPrometheusConfig(url), new Redactor(), telemetry);
            client.query("up");
            client.query("up");
            assertThrows(PrometheusException.BadQuery.class, () -> client.query("broken("));
            Scrape s = scrape();
            assertEquals(3, s.value("aviary_prometheus_query_duration_seconds_count"));
            assertEquals(1, s.value("aviary_prometheus_query_errors_total", "reason", "bad_query"));
            assertEquals(List.of(), s.find("aviary_prometheus_query_errors_total", "reason", "unavailable"));
        } finally {
            prometheus.stop(0);
        }

        PrometheusClient down = new PrometheusClient(new TestPrometheusConfig("http://127.0.0.1:" + freePort()), new Redactor(), telemetry);
        assertThrows(PrometheusException.class, () -> down.query("up"));
        assertEquals(1, scrape().value("aviary_prometheus_query_errors_total", "reason", "unavailable"));
        PrometheusClient misconfigured = new PrometheusClient(new TestPrometheusConfig("http://prometheus:9090/ with a space"),
                new Redactor(), telemetry);
        assertThrows(PrometheusException.Misconfigured.class, () -> misconfigured.query("up"));
        Scrape s = scrape();
        assertEquals(1, s.value("aviary_prometheus_query_errors_total", "reason", "misconfigured"));
        assertTrue(s.text().indexOf("with a space") < 0, "no URL in a label");
    }

    @Test
    void kubernetesRequestsAreCountedByVerbResourceAndCode() {
        try (KubernetesClient counted = new KubernetesClientBuilder().withConfig(client.getConfiguration())
                .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor(KubernetesRequests.NAME, new KubernetesRequests(telemetry)))
                .build()) {
            assertEquals(null, counted.configMaps().inNamespace("team-a").withName("missing").get());
            counted.configMaps().inNamespace("team-a").resource(new ConfigMapBuilder().withNewMetadata().withName("c1").endMetadata().build()).create();
            counted.configMaps().inNamespace("team-a").list();
        }
        Scrape s = scrape();
        assertEquals(1, s.value("aviary_kubernetes_requests_total", "verb", "get", "resource", "configmaps", "code", "404"));
        assertEquals(1, s.value("aviary_kubernetes_requests_total", "verb", "create", "resource", "configmaps", "code", "201"));
        assertEquals(1, s.value("aviary_kubernetes_requests_total", "verb", "list", "resource", "configmaps", "code", "200"));
        assertTrue(s.text().indexOf("team-a") < 0 && s.text().indexOf("c1\"") < 0, "no namespace or object name in a label:\n" + s.text());
    }

    @Test
    void aRequestIsNamedAsRbacNamesItWithoutObjectNames() {
        assertEquals(new KubernetesRequests.Call("patch", "virtualservices"), KubernetesRequests.Call.of("PATCH",
                URI.create("https://k8s:443/apis/networking.istio.io/v1beta1/namespaces/default/virtualservices/image-classifier")));
        assertEquals(new KubernetesRequests.Call("update", "canaryrollouts/status"), KubernetesRequests.Call.of("PUT",
                URI.create("https://k8s/apis/aviary.dev/v1/namespaces/default/canaryrollouts/image-classifier/status")));
        assertEquals(new KubernetesRequests.Call("watch", "canaryrollouts"), KubernetesRequests.Call.of("GET",
                URI.create("https://k8s/apis/aviary.dev/v1/canaryrollouts?watch=true&resourceVersion=7")));
        assertEquals(new KubernetesRequests.Call("create", "tokenreviews"), KubernetesRequests.Call.of("POST",
                URI.create("https://k8s/apis/authentication.k8s.io/v1/tokenreviews")));
        assertEquals(new KubernetesRequests.Call("get", "namespaces"), KubernetesRequests.Call.of("GET", URI.create("https://k8s/api/v1/namespaces/payments")));
        assertEquals(new KubernetesRequests.Call("get", "discovery"), KubernetesRequests.Call.of("GET", URI.create("https://k8s/apis")));
        assertEquals("other", KubernetesRequests.Call.of("GET", URI.create("https://k8s/api/v1/namespaces/a/Weird%20Name")).resource());
    }

    @Test
    void notificationsAreCountedByChannelAndResult() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Outbox.Channel working = channel("webhook", () -> { });
        Outbox.Channel broken = channel("slack", () -> {
            throw new IllegalStateException("HTTP 500 from https://hooks.slack.com/services/T000/B000/secret");
        });
        Outbox.Channel stuck = channel("log", () -> release.await(10, TimeUnit.SECONDS));
        Outbox outbox = new Outbox(List.of(working, broken), new Redactor(), 10, 2, 1, telemetry);
        Outbox tiny = new Outbox(List.of(stuck), new Redactor(), 1, 2, 1, telemetry);
        try {
            for (int i = 0; i < 3; i++) {
                outbox.publish(event());
                tiny.publish(event());
            }
            release.countDown();
            outbox.drain(5_000);
            tiny.drain(5_000);
        } finally {
            outbox.close();
            tiny.close();
        }
        Scrape s = scrape();
        assertEquals(3, s.value("aviary_notifications_total", "channel", "webhook", "result", "delivered"));
        assertEquals(3, s.value("aviary_notifications_total", "channel", "slack", "result", "failed"));
        // one running, one queued: the third finds the queue of one full
        assertEquals(1, s.value("aviary_notifications_total", "channel", "log", "result", "dropped"));
        assertEquals(2, s.value("aviary_notifications_total", "channel", "log", "result", "delivered"));
        assertTrue(s.text().indexOf("hooks.slack.com") < 0, "no message or URL in a label");
    }

    @Test
    void tickDurationLagAndLeadershipAreExported() throws Exception {
        telemetry.leaderFrom(() -> true);
        telemetry.ticked(Duration.ofMillis(30), "ok");
        telemetry.ticked(Duration.ofSeconds(3), "failed");
        telemetry.tickLate(Duration.ofMillis(400));
        telemetry.tickLate(Duration.ofSeconds(7));
        Scrape s = scrape();
        assertEquals(1, s.value("aviary_leader"));
        assertEquals(1, s.value("aviary_tick_duration_seconds_bucket", "result", "ok", "le", "0.05"));
        assertEquals(0, s.value("aviary_tick_duration_seconds_bucket", "result", "failed", "le", "2.5"));
        assertEquals(1, s.value("aviary_tick_lag_seconds_bucket", "le", "0.5"));
        assertEquals(1, s.value("aviary_tick_lag_seconds_bucket", "le", "5.0"));
        assertEquals(2, s.value("aviary_tick_lag_seconds_count"));
        assertEquals(7.4, s.value("aviary_tick_lag_seconds_sum"), 1e-9);
        s.promtool();
    }

    private static Outbox.Channel channel(String name, Outbox.Delivery.Send send) {
        return new Outbox.Channel() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public boolean wants(RolloutEvent e) {
                return true;
            }

            @Override
            public List<Outbox.Delivery> deliveries(RolloutEvent e) {
                return List.of(new Outbox.Delivery(name + " test receiver", send));
            }
        };
    }

    private static RolloutEvent event() {
        return new RolloutEvent(Instant.parse("2026-11-22T10:00:00Z"), "payments/fraud-detector", "payments", "VirtualService/fraud-detector",
                Decision.ROLLBACK, Phase.RolledBack, 2, 3, "100/0", "errors: the canary fails more often", List.of(), List.of());
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
