package dev.aviary.metrics.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP API client against a local server speaking Prometheus' answer format. */
class PrometheusClientTest {

    private HttpServer server;
    private final AtomicReference<String> auth = new AtomicReference<>();
    private final AtomicReference<String> answer = new AtomicReference<>();
    private final AtomicReference<Integer> status = new AtomicReference<>(200);

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/query", ex -> {
            auth.set(ex.getRequestHeaders().getFirst("Authorization"));
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
}
