package dev.aviary.e2e;

import com.sun.net.httpserver.HttpServer;
import dev.aviary.sandbox.Sandbox;
import dev.aviary.sim.ArmBehaviour;
import dev.aviary.sim.MeshSimulator;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sandbox with secrets as people store them (a trailing newline from {@code kubectl create secret --from-file},
 * a stray space, one Slack URL broken outright), a policy that notifies two Slack Secrets and two webhooks (one
 * dead), local receivers for them, and Prometheus behind a proxy that insists on the bearer token.
 */
public class SecretsSandboxResource implements QuarkusTestResourceLifecycleManager {

    static final String TOKEN = "aviary-e2e-bearer-7f3a9c\n";
    static final String SLACK_PATH = "/services/T0E2ESECRET/B0E2ESECRET/slackPathSecret42";
    static final String BROKEN_SLACK = "https://hooks.slack.com/services/T0BROKEN/B0BROKEN/broken slack secret\n";
    static final String HMAC_KEY = "hmac e2e key 5ecr3t\n";

    /** One request a receiver got. */
    record Received(String path, Map<String, List<String>> headers, String body) {}

    final List<Received> received = new CopyOnWriteArrayList<>();
    final AtomicInteger prometheusAccepted = new AtomicInteger();
    final AtomicInteger prometheusRefused = new AtomicInteger();
    private Sandbox sandbox;
    private HttpServer receiver;
    private HttpServer prometheusProxy;

    @Override
    public Map<String, String> start() {
        try {
            receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            receiver.createContext("/", ex -> {
                Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                headers.putAll(ex.getRequestHeaders());
                received.add(new Received(ex.getRequestURI().getRawPath(), headers,
                        new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
                ex.sendResponseHeaders(200, -1);
                ex.close();
            });
            receiver.start();
            sandbox = Sandbox.start(Files.createTempDirectory("aviary-secrets"), spec());
            prometheusProxy = proxy(sandbox.prometheus().url());
            createSecrets();
            Files.writeString(sandbox.policies().resolve("image-classifier.yaml"), policy(receiverUrl(), deadUrl()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> config = new HashMap<>(sandbox.config());
        config.put("aviary.prometheus.url", "http://127.0.0.1:" + prometheusProxy.getAddress().getPort());
        config.put("aviary.prometheus.bearer-token", TOKEN);
        config.put("aviary.status-url", "http://127.0.0.1:8081/");
        config.put("quarkus.kubernetes-client.api-server-url", sandbox.apiServerUrl());
        config.put("quarkus.kubernetes-client.trust-certs", "true");
        config.put("quarkus.kubernetes-client.namespace", "default");
        config.put("aviary.policies.reload-interval", "1s");
        // the widest the logs get: whatever Aviary says at debug must be clean too
        config.put("quarkus.log.category.\"dev.aviary\".level", "DEBUG");
        return config;
    }

    static Sandbox.Spec spec() {
        return new Sandbox.Spec(List.of("sandbox/cluster/image-classifier.yaml"), List.of(),
                List.of(new MeshSimulator.Service("default", "image-classifier", SandboxResource.VS, "image-classifier", 80, "user-group", "canary",
                        0.3, Map.of("v1", new ArmBehaviour(0.01, 80, 0.5), "v2", new ArmBehaviour(0.005, 70, 0.5)))),
                11);
    }

    String slackUrl() {
        return receiverUrl() + SLACK_PATH;
    }

    private String receiverUrl() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort();
    }

    /** A port nothing listens on: the dead receiver. */
    private static String deadUrl() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort();
        }
    }

    private void createSecrets() {
        secret("slack-ml", "url", slackUrl() + " \n");
        secret("slack-broken", "url", BROKEN_SLACK);
        secret("hook-hmac", "hmac-key", HMAC_KEY);
    }

    private void secret(String name, String key, String value) {
        sandbox.client().secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace("default")
                .endMetadata().addToData(key, Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))).build()).create();
    }

    /** The e2e image-classifier policy, without a route name (one route holds both subsets), notifying everywhere. */
    private static String policy(String receiver, String dead) {
        return """
                apiVersion: aviary.dev/v1
                kind: CanaryPolicy
                metadata: {name: image-classifier, namespace: default}
                spec:
                  target:
                    istio:
                      virtualService: image-classifier
                      baseline: {subset: resnet50}
                      canary: {subset: resnet101}
                  interval: 1s
                  steps:
                    - headerRoute: {header: user-group, exact: canary}
                      minDuration: 6s
                    - weight: 30
                      minDuration: 6s
                    - weight: 50
                      minDuration: 6s
                    - weight: 100
                  maxStepDuration: 5m
                  noData: {tolerate: 2m, then: pause}
                  minRequests: 40
                  checks:
                    - name: errors
                      preset: istio-error-rate
                      tolerance: 10%
                    - name: latency
                      preset: istio-slow-requests
                      slowerThan: 250ms
                      tolerance: 20%
                  notify:
                    - slack: {secretRef: slack-broken}
                    - slack: {secretRef: slack-ml}
                    - webhook: {url: "DEAD/dead-hook", secretRef: hook-hmac}
                    - webhook: {url: "RECEIVER/hook", secretRef: hook-hmac}
                """.replace("DEAD", dead).replace("RECEIVER", receiver);
    }

    /** Prometheus as a cluster may run it: behind a proxy that answers 401 unless the bearer token is exactly right. */
    private HttpServer proxy(String prometheus) throws IOException {
        HttpClient http = HttpClient.newHttpClient();
        HttpServer p = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        p.createContext("/", ex -> {
            try {
                if (!("Bearer " + TOKEN.strip()).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                    prometheusRefused.incrementAndGet();
                    ex.sendResponseHeaders(401, -1);
                    return;
                }
                prometheusAccepted.incrementAndGet();
                URI target = URI.create(prometheus + ex.getRequestURI().getRawPath()
                        + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery()));
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(target).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
                ex.getResponseBody().write(r.body());
            } catch (IOException e) {
                ex.sendResponseHeaders(502, -1); // Prometheus itself is down
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ex.sendResponseHeaders(502, -1);
            } finally {
                ex.close();
            }
        });
        p.start();
        return p;
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(this, new TestInjector.MatchesType(SecretsSandboxResource.class));
        injector.injectIntoFields(sandbox, new TestInjector.AnnotatedAndMatchesType(InjectSandbox.class, Sandbox.class));
    }

    @Override
    public void stop() {
        if (prometheusProxy != null) prometheusProxy.stop(0);
        if (receiver != null) receiver.stop(0);
        if (sandbox != null) sandbox.close();
    }
}
