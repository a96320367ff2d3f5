package dev.aviary.metrics.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.aviary.secrets.Redactor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API client against a local server speaking Prometheus' answer format. */
class PrometheusClientTest {

    private HttpServer server;
    private final AtomicReference<String> auth = new AtomicReference<>();
    private final AtomicReference<String> answer = new AtomicReference<>();
    private final AtomicReference<Integer> status = new AtomicReference<>(200);
    private final AtomicReference<String> asked = new AtomicReference<>();
    private final AtomicReference<String> method = new AtomicReference<>();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/query", ex -> {
            auth.set(ex.getRequestHeaders().getFirst("Authorization"));
            method.set(ex.getRequestMethod());
            asked.set(ex.getRequestMethod().equals("POST") ? new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
                    : ex.getRequestURI().getRawQuery());
            byte[] body = answer.get().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status.get(), body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private PrometheusClient client(Optional<String> token) {
        return new PrometheusClient(new TestPrometheusConfig("http://127.0.0.1:" + server.getAddress().getPort(), token));
    }

    @Test
    void sendsTheBearerTokenAndParsesAVectorWithNaN() throws Exception {
        answer.set("""
                {"status":"success","data":{"resultType":"vector","result":[
                  {"metric":{"destination_version":"v1"},"value":[1700000000,"1234.5"]},
                  {"metric":{"destination_version":"v2"},"value":[1700000000,"NaN"]}]}}""");
        List<PrometheusClient.Sample> s = client(Optional.of("t0ken")).query("up");
        assertEquals("Bearer t0ken", auth.get());
        assertEquals(2, s.size());
        assertEquals(1234.5, s.get(0).value());
        assertTrue(Double.isNaN(s.get(1).value()));
        assertEquals("v2", s.get(1).labels().get("destination_version"));
    }

    @Test
    void aBadQueryIsReportedWithPrometheusOwnWordsAndNeverTheToken() {
        status.set(400);
        answer.set("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error at char 5\"}");
        PrometheusException e = assertThrows(PrometheusException.BadQuery.class, () -> client(Optional.of("t0ken")).query("sum(("));
        assertTrue(e.getMessage().contains("parse error at char 5"), e.getMessage());
        assertFalse(e.getMessage().contains("t0ken"));
    }

    @Test
    void aQueryAtATimeSendsThatTime() throws Exception {
        answer.set("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}");
        client(Optional.empty()).query("up", java.time.Instant.ofEpochMilli(1_700_000_000_250L));
        assertTrue(asked.get().endsWith("&time=1700000000.250"), asked.get());
    }

    @Test
    void aStalledPrometheusIsOneBoundedTryNeverRetried() throws Exception {
        java.util.concurrent.atomic.AtomicInteger tries = new java.util.concurrent.atomic.AtomicInteger();
        HttpServer stalled = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stalled.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        stalled.createContext("/api/v1/query", ex -> {
            tries.incrementAndGet();
            try {
                Thread.sleep(20_000); // far past the client's 5 s timeout
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        stalled.start();
        try {
            PrometheusClient c = new PrometheusClient(new TestPrometheusConfig("http://127.0.0.1:" + stalled.getAddress().getPort()));
            PrometheusException e = assertThrows(PrometheusException.class, () -> c.query("up"));
            assertTrue(e.getMessage().contains("did not answer: HttpTimeoutException"), e.getMessage());
            assertEquals(1, tries.get(), "the next tick is the retry, not this one");
        } finally {
            stalled.stop(0);
        }
    }

    @Test
    void aQueryLongerThanAUrlMayBeIsPostedAsAFormAndAShortOneIsAGet() throws Exception {
        answer.set(SUCCESS);
        PrometheusClient c = client(Optional.empty());
        c.query("up", java.time.Instant.ofEpochSecond(1700000000));
        assertEquals("GET", method.get());
        assertEquals("query=up&time=1700000000.000", asked.get());
        String services = "svc-0" + "|another-service".repeat(PrometheusClient.MAX_GET / 16);
        String longQuery = "sum(istio_requests_total{destination_service_name=~\"" + services + "\"})";
        c.query(longQuery, java.time.Instant.ofEpochSecond(1700000000));
        assertEquals("POST", method.get());
        assertEquals("query=" + java.net.URLEncoder.encode(longQuery, StandardCharsets.UTF_8) + "&time=1700000000.000", asked.get());
    }

    @Test
    void aDownPrometheusIsAnErrorThatNamesTheUrl() {
        server.stop(0);
        PrometheusClient c = client(Optional.empty());
        PrometheusException e = assertThrows(PrometheusException.class, () -> c.query("up"));
        assertTrue(e.getMessage().contains("did not answer"), e.getMessage());
    }

    @Test
    void messagesNeverShowCredentialsInTheUrl() {
        assertEquals("https://prometheus:9090/x", PrometheusClient.shown("https://admin:hunter2@prometheus:9090/x"));
        assertEquals("http://prometheus.istio-system:9090", PrometheusClient.shown("http://prometheus.istio-system:9090"));
    }

    private static final String SUCCESS = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}";

    @Test
    void aTokenWithTheNewlineKubectlKeepsIsTrimmedAndRegisteredForRedaction() throws Exception {
        answer.set(SUCCESS);
        Redactor redactor = new Redactor();
        new PrometheusClient(new TestPrometheusConfig("http://127.0.0.1:" + server.getAddress().getPort() + "/ \n", Optional.of("t0ken-abc\n")),
                redactor).query("up");
        assertEquals("Bearer t0ken-abc", auth.get());
        assertEquals("invalid header value: \"Bearer <redacted>\"", redactor.redact("invalid header value: \"Bearer t0ken-abc\n\""));
    }

    @Test
    void aTokenThatCannotBeSentIsAOneLineErrorNamingTheVariableNeverTheToken() {
        answer.set(SUCCESS);
        PrometheusException e = assertThrows(PrometheusException.Misconfigured.class, () -> client(Optional.of("t0ken abc\n")).query("up"));
        assertEquals("AVIARY_PROMETHEUS_BEARER_TOKEN (aviary.prometheus.bearer-token) holds a space inside the token (character 6 after "
                + "trimming); store the token alone, on one line", e.getMessage());
        assertEquals(null, auth.get(), "nothing was sent");
    }

    @Test
    void aTokenFileIsTrimmedAndCheckedToo(@TempDir Path dir) throws Exception {
        answer.set(SUCCESS);
        Path file = dir.resolve("token");
        Files.writeString(file, "f1le-t0ken\n");
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        new PrometheusClient(new FileToken(new TestPrometheusConfig(url), file.toString())).query("up");
        assertEquals("Bearer f1le-t0ken", auth.get());

        Files.writeString(file, "f1le\nt0ken\n");
        PrometheusException bad = assertThrows(PrometheusException.Misconfigured.class,
                () -> new PrometheusClient(new FileToken(new TestPrometheusConfig(url), file.toString())).query("up"));
        assertTrue(bad.getMessage().startsWith("the bearer token file " + file + " named by AVIARY_PROMETHEUS_BEARER_TOKEN_FILE"), bad.getMessage());
        assertFalse(bad.getMessage().contains("f1le\n") || bad.getMessage().contains("t0ken"), bad.getMessage());

        PrometheusException missing = assertThrows(PrometheusException.Misconfigured.class,
                () -> new PrometheusClient(new FileToken(new TestPrometheusConfig(url), dir.resolve("nope").toString())).query("up"));
        assertTrue(missing.getMessage().endsWith("nope named by AVIARY_PROMETHEUS_BEARER_TOKEN_FILE (aviary.prometheus.bearer-token-file): no such file"),
                missing.getMessage());
    }

    @Test
    void aUrlThatDoesNotParseIsNamedNotShownAndCredentialsInItAreRedacted() {
        Redactor redactor = new Redactor();
        PrometheusClient c = new PrometheusClient(new TestPrometheusConfig("http://admin:hunter22@prometheus:9090/my prometheus"), redactor);
        PrometheusException e = assertThrows(PrometheusException.Misconfigured.class, () -> c.query("up"));
        assertTrue(e.getMessage().startsWith("AVIARY_PROMETHEUS_URL (aviary.prometheus.url) holds a space inside the URL"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter22") || e.getMessage().contains("my prometheus"), e.getMessage());
        assertEquals("<redacted>", redactor.redact("hunter22"));
    }

    /** The test config with a token file instead of a token. */
    private record FileToken(TestPrometheusConfig base, String file) implements PrometheusConfig {
        public String url() {
            return base.url();
        }

        public Duration timeout() {
            return base.timeout();
        }

        public Optional<String> bearerToken() {
            return Optional.empty();
        }

        public Optional<String> bearerTokenFile() {
            return Optional.of(file);
        }

        public Tls tls() {
            return base.tls();
        }

        public String armLabel() {
            return base.armLabel();
        }
    }
}
