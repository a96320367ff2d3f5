package dev.aviary.e2e;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.daemon.Engine;
import dev.aviary.metrics.prometheus.PrometheusConfig;
import dev.aviary.notify.webhook.WebhookChannel;
import dev.aviary.rollout.CanaryRollout;
import dev.aviary.rollout.Phase;
import dev.aviary.rollout.RolloutRepository;
import dev.aviary.sandbox.Sandbox;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Handler;
import org.jboss.logging.Logger;
import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.handlers.ConsoleHandler;
import org.junit.jupiter.api.Test;

/**
 * Secrets stored the way people store them (trailing newlines, a stray space, one broken Slack URL) never show up in
 * anything Aviary prints or serves — console log, stdout, stderr, the REST API, the status page, Kubernetes Events,
 * the CanaryRollout, notification bodies — while the rollout they serve still works: Prometheus accepts the
 * trimmed token, Slack and the webhook get their messages, and the broken Secret is named in the log, not shown.
 */
@QuarkusTest
@QuarkusTestResource(value = SecretsSandboxResource.class, restrictToAnnotatedClass = true)
class SecretsEndToEndTest {

    SecretsSandboxResource scenario;

    @InjectSandbox
    Sandbox sandbox;

    @Inject
    Engine engine;

    @Inject
    RolloutRepository rollouts;

    @Inject
    KubernetesClient client;

    @Inject
    PrometheusConfig prometheus;

    @Test
    void noSecretAppearsInAnythingAviaryPrintsOrServesWhileTheRolloutWorks() throws Exception {
        assertTrue(prometheus.bearerToken().orElseThrow().endsWith("\n"), "the token reaches Aviary with kubectl's newline");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        List<ConsoleHandler> consoles = consoleHandlers();
        assertFalse(consoles.isEmpty(), "the console handler Quarkus configured");
        PrintStream out = System.out;
        PrintStream err = System.err;
        consoles.forEach(h -> h.setOutputStream(tee(out, printed)));
        System.setOut(new PrintStream(tee(out, printed), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(tee(err, printed), true, StandardCharsets.UTF_8));
        try {
            engine.start();
            RolloutEndToEndTest.await(Duration.ofSeconds(150), () -> {
                CanaryRollout cr = rollouts.get("default", "image-classifier");
                return cr != null && cr.getStatus().phase() == Phase.Promoted && cr.getStatus().intended() == null ? cr : null;
            }, "image-classifier promoted");
            // every destination has had its say about the promotion, the broken and the dead ones included
            RolloutEndToEndTest.await(Duration.ofSeconds(60), () -> posts("/hook").stream().anyMatch(b -> b.contains("rollout.promote"))
                    && posts(SecretsSandboxResource.SLACK_PATH).stream().anyMatch(b -> b.contains("PROMOTE"))
                    && count(printed, "gave up on Slack webhook from Secret default/slack-broken") >= 4
                    && count(printed, "gave up on webhook 1 of policy default/image-classifier") >= 4 ? true : null,
                    "every notification delivered or given up");
            engine.stop();

            // a probe through the application's own logging: the console filter is wired and knows the secrets
            Logger.getLogger("dev.aviary.probe").warnf(new IllegalStateException("cause " + scenario.slackUrl()), "probe %s",
                    SecretsSandboxResource.TOKEN.strip());
        } finally {
            System.setOut(out);
            System.setErr(err);
            consoles.forEach(h -> h.setOutputStream(tee(out, null)));
        }
        String log = printed.toString(StandardCharsets.UTF_8);

        // nothing Aviary printed or serves holds a secret, in any form
        Map<String, String> everything = new LinkedHashMap<>();
        everything.put("console, stdout and stderr", log);
        for (String path : List.of("/api/rollouts", "/api/rollouts/default/image-classifier", "/api/policies", "/",
                "/api/rollouts/default/no-such-rollout", "/q/health")) {
            everything.put("GET " + path, given().get(path).then().extract().asString());
        }
        everything.put("POST unknown action", given().post("/api/rollouts/default/image-classifier/reveal").then().extract().asString());
        everything.put("Events", Serialization.asYaml(client.v1().events().inAnyNamespace().list()));
        everything.put("CanaryRollouts", Serialization.asYaml(rollouts.list()));
        for (SecretsSandboxResource.Received r : scenario.received) {
            // the Slack URL's path is where the message had to go; everything it carried must be clean
            everything.put("notification " + everything.size() + " (headers and body)", r.headers() + "\n" + r.body());
        }
        List<String> leaks = new ArrayList<>();
        for (String secret : secretForms()) {
            everything.forEach((where, text) -> {
                if (text.contains(secret)) leaks.add(where + " holds " + Serialization.asJson(secret));
            });
        }
        assertTrue(leaks.isEmpty(), String.join("\n", leaks));

        // it worked: the trimmed token was accepted, Slack and the webhook were told, errors were reported
        assertTrue(scenario.prometheusAccepted.get() > 10, "Prometheus was queried with the token: " + scenario.prometheusAccepted);
        assertEquals(0, scenario.prometheusRefused.get(), "no query without the right token");
        SecretsSandboxResource.Received hook = scenario.received.stream().filter(r -> r.path().equals("/hook")).findFirst().orElseThrow();
        assertEquals("sha256=" + WebhookChannel.sign(SecretsSandboxResource.HMAC_KEY.strip(), hook.body()),
                hook.headers().get(WebhookChannel.SIGNATURE_HEADER).get(0), "signed with the trimmed key");
        assertTrue(log.contains("ADVANCE") && log.contains("PROMOTE"), "the capture holds the decisions: " + log);
        assertTrue(log.contains("Secret default/slack-broken key 'url' holds a space inside the URL"), "the broken Secret is named: " + log);
        assertTrue(log.contains("probe <redacted>") && log.contains("IllegalStateException: cause <redacted>"), log);

        assertTrue(everything.get("Events").contains("Promote"), "the Events were captured: " + everything.get("Events"));

        // and should a secret ever reach a rollout's status, the API still does not serve it
        CanaryRollout cr = rollouts.get("default", "image-classifier");
        var status = cr.getStatus().toBuilder();
        status.message = "planted: Bearer " + SecretsSandboxResource.TOKEN;
        cr.setStatus(status.build());
        rollouts.update(cr);
        String served = given().get("/api/rollouts/default/image-classifier").then().statusCode(200).extract().asString();
        assertTrue(served.contains("planted: Bearer <redacted>"), served);
        assertFalse(served.contains(SecretsSandboxResource.TOKEN.strip()), served);
    }

    /** Each secret as stored, trimmed, and as JSON writes it (a newline as \n); the Slack URL's secret path alone. */
    private Set<String> secretForms() {
        Set<String> raw = new LinkedHashSet<>(List.of(SecretsSandboxResource.TOKEN, scenario.slackUrl() + " \n", SecretsSandboxResource.SLACK_PATH,
                SecretsSandboxResource.BROKEN_SLACK, "/services/T0BROKEN/B0BROKEN/broken slack secret", SecretsSandboxResource.HMAC_KEY));
        Set<String> forms = new LinkedHashSet<>();
        for (String s : raw) {
            forms.add(s);
            forms.add(s.strip());
            String json = Serialization.asJson(s);
            forms.add(json.substring(1, json.length() - 1));
        }
        return forms;
    }

    private List<String> posts(String path) {
        return scenario.received.stream().filter(r -> r.path().equals(path)).map(SecretsSandboxResource.Received::body).toList();
    }

    private static int count(ByteArrayOutputStream printed, String what) {
        String s = printed.toString(StandardCharsets.UTF_8);
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
        return n;
    }

    /** The console handlers behind the root logger (Quarkus puts them behind a delayed handler). */
    private static List<ConsoleHandler> consoleHandlers() {
        List<ConsoleHandler> found = new ArrayList<>();
        collect(LogContext.getLogContext().getLogger("").getHandlers(), found);
        return found;
    }

    private static void collect(Handler[] handlers, List<ConsoleHandler> found) {
        for (Handler h : handlers) {
            if (h instanceof ConsoleHandler c) found.add(c);
            else if (h instanceof ExtHandler e) collect(e.getHandlers(), found);
        }
    }

    /** Writes to the real stream and to the capture (if any); closing it closes neither. */
    private static OutputStream tee(PrintStream real, ByteArrayOutputStream capture) {
        return new OutputStream() {
            @Override
            public synchronized void write(int b) {
                if (capture != null) capture.write(b);
                real.write(b);
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) {
                if (capture != null) capture.write(b, off, len);
                real.write(b, off, len);
            }

            @Override
            public void flush() {
                real.flush();
            }
        };
    }
}
