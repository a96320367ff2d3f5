package dev.aviary.shadow;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A recording HTTP proxy in front of one real model server, on 127.0.0.1: what Aviary sent and what the server
 * answered, byte for byte, in the order the answers went out. It can also spoil the answers (cut them in half, as a
 * server dying mid-answer does) or hold every new request unanswered until it closes, which freezes a replay
 * session at a known point so that what it counted can be compared with what went over the wire.
 */
final class RecordingProxy implements AutoCloseable {

    enum Mode {
        /** Forward and answer what the server answered. */
        FORWARD,
        /** Forward, then answer the server's status with the first half of its body. */
        TRUNCATE,
        /** Answer nothing until the proxy closes (then 503); such requests are not recorded. */
        HOLD
    }

    /** One answered request: the path and body Aviary sent, the status and body Aviary got. */
    record Exchange(String path, String request, int status, String response) {}

    private final URI target;
    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "recording-proxy");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Exchange> exchanges = new ArrayList<>();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final AtomicInteger forwarding = new AtomicInteger();
    private final AtomicInteger held = new AtomicInteger();
    private volatile Mode mode = Mode.FORWARD;

    RecordingProxy(URI target) throws IOException {
        this.target = target;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The proxy's base URL, what a policy names as the arm's endpoint. */
    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    void mode(Mode mode) {
        this.mode = mode;
    }

    /** The answered requests so far, in the order they were answered. */
    synchronized List<Exchange> exchanges() {
        return List.copyOf(exchanges);
    }

    /** Requests being forwarded right now (neither answered nor held). */
    int forwarding() {
        return forwarding.get();
    }

    /** Requests held unanswered. */
    int held() {
        return held.get();
    }

    @Override
    public void close() {
        if (closing.getCount() == 0) return;
        closing.countDown();
        server.stop(0);
        pool.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            // counted before the mode is read: a request that saw FORWARD is never missed by forwarding()
            forwarding.incrementAndGet();
            Mode now = mode;
            if (now == Mode.HOLD) {
                held.incrementAndGet();
                forwarding.decrementAndGet();
                try {
                    closing.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                send(exchange, 503, "{\"error\": \"the proxy closed\"}");
                return;
            }
            try {
                HttpResponse<String> answer = client.send(HttpRequest.newBuilder(target.resolve(path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                String out = now == Mode.TRUNCATE ? answer.body().substring(0, answer.body().length() / 2) : answer.body();
                // recorded before Aviary can read the answer, so whatever it counted is already here
                synchronized (this) {
                    exchanges.add(new Exchange(path, body, answer.statusCode(), out));
                }
                send(exchange, answer.statusCode(), out);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                send(exchange, 503, "{\"error\": \"the proxy stopped\"}");
            } finally {
                forwarding.decrementAndGet();
            }
        }
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
