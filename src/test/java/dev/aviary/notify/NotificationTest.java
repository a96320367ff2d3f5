package dev.aviary.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.aviary.analysis.Evidence;
import dev.aviary.analysis.Outcome;
import dev.aviary.notify.slack.SlackChannel;
import dev.aviary.notify.webhook.WebhookChannel;
import dev.aviary.policy.NotifySpec;
import dev.aviary.rollout.CheckRecord;
import dev.aviary.rollout.Decision;
import dev.aviary.rollout.Phase;
import dev.aviary.secrets.Redactor;
import dev.aviary.rollout.RolloutEvent;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Notifications over real HTTP to local receivers: content, signatures, retries, and never blocking a decision. */
class NotificationTest {

    record Received(String path, Map<String, List<String>> headers, String body) {}

    private HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private final Map<String, String> secretStore = new java.util.concurrent.ConcurrentHashMap<>(Map.of("hook-hmac/hmac-key", "s3cr3t-key"));
    private final Redactor redactor = new Redactor();
    private ChannelSecrets secrets;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int code = failuresLeft.getAndDecrement() > 0 ? 500 : 200;
            if (code == 200) received.add(new Received(ex.getRequestURI().getPath(), ex.getRequestHeaders(), body));
            ex.sendResponseHeaders(code, -1);
            ex.close();
        });
        server.start();
        String slackUrl = "http://127.0.0.1:" + server.getAddress().getPort() + "/services/T000/B000/XXXX";
        secrets = new ChannelSecrets((ns, name, key) -> {
            if (name.equals("slack-ml") && key.equals(SlackChannel.URL_KEY)) return secretStore.getOrDefault("slack-ml/url", slackUrl);
            String v = secretStore.get(name + "/" + key);
            if (v == null) throw new IllegalStateException("Secret " + ns + "/" + name + " has no key " + key);
            return v;
        }, redactor);
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private RolloutEvent event(Decision d) {
        return event(d, List.of(new NotifySpec(NotifySpec.Kind.SLACK, null, "slack-ml"),
                new NotifySpec(NotifySpec.Kind.WEBHOOK, "http://127.0.0.1:" + server.getAddress().getPort() + "/hook", "hook-hmac")));
    }

    private RolloutEvent event(Decision d, List<NotifySpec> channels) {
        CheckRecord errors = new CheckRecord("errors", Outcome.FAIL, "canary 5xx rate 4.8% vs 1.0%, ratio >= 3.1 with 99% confidence: rollback",
                new Evidence(7000L, 70L, 3000L, 144L, 4.8, 3.1, 6.2, 1e6, null), true);
        return new RolloutEvent(Instant.parse("2026-11-22T10:00:00Z"), "payments/fraud-detector", "payments", "VirtualService/fraud-detector",
                d, Phase.RolledBack, 2, 4, "100/0", "errors: canary 5xx rate 4.8% vs 1.0%", List.of(errors), channels);
    }

    @Test
    void slackGetsBlockKitWithTheFailingCheckAndItsNumbers() throws Exception {
        Outbox outbox = new Outbox(List.of(new SlackChannel(secrets, new HttpDelivery(), "https://aviary.example.com/")), redactor, 10, 3, 10);
        outbox.publish(event(Decision.ROLLBACK));
        outbox.drain(5_000);
        assertEquals(1, received.size());
        JsonNode body = new ObjectMapper().readTree(received.get(0).body());
        assertEquals("/services/T000/B000/XXXX", received.get(0).path());
        assertTrue(body.path("blocks").get(0).path("text").path("text").asText().contains("ROLLBACK"));
        String all = body.toString();
        assertTrue(all.contains("ratio >= 3.1 with 99% confidence"), all);
        assertTrue(all.contains("Step* 2/4"), all);
        assertTrue(all.contains("https://aviary.example.com/"), all);
    }

    @Test
    void webhooksCarryASignedCloudEventWithoutSecrets() throws Exception {
        Outbox outbox = new Outbox(List.of(new WebhookChannel(secrets, new HttpDelivery())), redactor, 10, 3, 10);
        outbox.publish(event(Decision.ROLLBACK));
        outbox.drain(5_000);
        assertEquals(1, received.size());
        Received r = received.get(0);
        assertEquals("application/cloudevents+json", r.headers().get("Content-type").get(0));
        String signature = r.headers().get(WebhookChannel.SIGNATURE_HEADER).get(0);
        assertEquals("sha256=" + WebhookChannel.sign("s3cr3t-key", r.body()), signature, "HMAC-SHA256 of the exact body");
        JsonNode ce = new ObjectMapper().readTree(r.body());
        assertEquals("1.0", ce.path("specversion").asText());
        assertEquals("dev.aviary.rollout.rollback", ce.path("type").asText());
        assertEquals("ROLLBACK", ce.path("data").path("decision").asText());
        assertEquals(144, ce.path("data").path("checks").get(0).path("evidence").path("canaryBad").asInt());
        assertFalse(r.body().contains("s3cr3t-key") || r.body().contains("hook-hmac") || r.body().contains("slack-ml"), r.body());
    }

    @Test
    void aFailingReceiverIsRetriedWithBackoff() throws Exception {
        failuresLeft.set(2);
        Outbox outbox = new Outbox(List.of(new WebhookChannel(secrets, new HttpDelivery())), redactor, 10, 4, 10);
        outbox.publish(event(Decision.PROMOTE));
        outbox.drain(5_000);
        assertEquals(1, received.size(), "delivered on the third attempt");
    }

    @Test
    void aStuckReceiverNeverBlocksTheDecisionNorOtherChannels() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<RolloutEvent> fast = new CopyOnWriteArrayList<>();
        Outbox.Channel stuck = new Outbox.Channel() {
            public String name() {
                return "stuck";
            }

            public List<Outbox.Delivery> deliveries(RolloutEvent e) {
                return List.of(new Outbox.Delivery("nowhere", release::await));
            }
        };
        Outbox.Channel quick = new Outbox.Channel() {
            public String name() {
                return "quick";
            }

            public List<Outbox.Delivery> deliveries(RolloutEvent e) {
                return List.of(new Outbox.Delivery("a list", () -> fast.add(e)));
            }
        };
        Outbox outbox = new Outbox(List.of(stuck, quick), redactor, 2, 1, 10);
        // the queue holds 2: publishing 10 returns anyway, dropping what does not fit, while "stuck" never answers
        for (int i = 0; i < 10; i++) outbox.publish(event(Decision.ROLLBACK));
        long deadline = System.currentTimeMillis() + 5_000;
        while (fast.isEmpty() && System.currentTimeMillis() < deadline) Thread.sleep(10);
        assertTrue(!fast.isEmpty(), "the other channel kept delivering");
        assertEquals(1, release.getCount(), "publish returned while the stuck receiver still held its delivery");
        release.countDown();
        outbox.close();
    }

    @Test
    void routineHoldsAreNotSentOutside() throws Exception {
        Outbox outbox = new Outbox(List.of(new WebhookChannel(secrets, new HttpDelivery())), redactor, 10, 1, 10);
        outbox.publish(event(Decision.HOLD));
        outbox.drain(2_000);
        Thread.sleep(100);
        assertEquals(0, received.size());
    }

    @Test
    void aTickThatStartedFailingIsSentOutsideOnce() throws Exception {
        Outbox outbox = new Outbox(List.of(new WebhookChannel(secrets, new HttpDelivery())), redactor, 10, 1, 10);
        RolloutEvent hold = event(Decision.HOLD);
        outbox.publish(new RolloutEvent(hold.at(), hold.policy(), hold.namespace(), hold.target(), hold.decision(), hold.phase(),
                hold.step(), hold.steps(), hold.weights(), "IndexOutOfBoundsException: Index -1 out of bounds for length 1",
                hold.checks(), hold.channels(), true));
        outbox.drain(2_000);
        long deadline = System.currentTimeMillis() + 2_000;
        while (received.isEmpty() && System.currentTimeMillis() < deadline) Thread.sleep(10);
        assertEquals(1, received.size(), "a failing tick is worth a notification, unlike a routine hold");
    }

    @Test
    void secretsAreTrimmedAndABrokenOneIsNamedNeverShownNorHoldsUpTheOthers() throws Exception {
        String port = Integer.toString(server.getAddress().getPort());
        secretStore.put("slack-ml/url", "http://127.0.0.1:" + port + "/services/T000/B000/XXXX\n"); // kubectl --from-file
        secretStore.put("slack-broken/url", " https://hooks.slack.com/services/T111/B111/broken secret\n");
        secretStore.put("hook-hmac/hmac-key", "s3cr3t-key\n");
        List<String> warnings = new CopyOnWriteArrayList<>();
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(Outbox.class.getName());
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            public void publish(java.util.logging.LogRecord r) {
                warnings.add(r instanceof org.jboss.logmanager.ExtLogRecord ext ? ext.getFormattedMessage() : r.getMessage());
            }

            public void flush() {}

            public void close() {}
        };
        log.addHandler(capture);
        try {
            Outbox outbox = new Outbox(List.of(new SlackChannel(secrets, new HttpDelivery(), null), new WebhookChannel(secrets, new HttpDelivery())),
                    redactor, 10, 2, 10);
            outbox.publish(event(Decision.ROLLBACK, List.of(new NotifySpec(NotifySpec.Kind.SLACK, null, "slack-broken"),
                    new NotifySpec(NotifySpec.Kind.SLACK, null, "slack-ml"),
                    new NotifySpec(NotifySpec.Kind.WEBHOOK, "http://127.0.0.1:" + port + "/hook", "hook-hmac"))));
            outbox.drain(5_000);
        } finally {
            log.removeHandler(capture);
        }
        // the good Slack URL is used once trimmed, exactly once although the broken one failed before it, twice
        assertEquals(1, received.stream().filter(r -> r.path().equals("/services/T000/B000/XXXX")).count(), received.toString());
        Received hook = received.stream().filter(r -> r.path().equals("/hook")).findFirst().orElseThrow();
        assertEquals("sha256=" + WebhookChannel.sign("s3cr3t-key", hook.body()), hook.headers().get(WebhookChannel.SIGNATURE_HEADER).get(0),
                "signed with the trimmed key");
        assertEquals(1, warnings.size(), warnings.toString());
        String w = warnings.get(0);
        assertTrue(w.contains("Slack webhook from Secret payments/slack-broken") && w.contains("Secret payments/slack-broken key 'url' holds a space"),
                w);
        assertFalse(w.contains("hooks.slack.com") || w.contains("broken secret") || w.contains("T111"), w);
        assertFalse(w.contains("\n"), "one line: " + w);
    }
}
