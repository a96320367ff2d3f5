package dev.aviary.shadow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * One arm's model server for the replay tests, over real HTTP on 127.0.0.1: answers {@code POST /predict} with a body
 * {@code {"ids": [..]}} by {@code {"predictions": [label per id]}}, the label (or a failure) chosen per id by the
 * test. Counts requests and the most it had in flight at once, and records the headers it was sent.
 */
final class ArmServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** How the arm answers one id: a label, or a status and body to send instead, after a delay. */
    record Answer(String label, int status, String body, long delayMillis) {
        static Answer label(String label) {
            return new Answer(label, 200, null, 0);
        }

        static Answer status(int status) {
            return new Answer(null, status, "{\"error\": \"overloaded\"}", 0);
        }

        static Answer body(String body) {
            return new Answer(null, 200, body, 0);
        }

        Answer after(long millis) {
            return new Answer(label, status, body, millis);
        }
    }

    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "arm-server");
        t.setDaemon(true);
        return t;
    });
    private volatile IntFunction<Answer> answers;
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    final Map<String, String> lastHeaders = new ConcurrentHashMap<>();
    /** The payload ids asked about, in arrival order. */
    final List<Integer> ids = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

    ArmServer(IntFunction<Answer> answers) throws IOException {
        this.answers = answers;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/predict", this::handle);
        server.setExecutor(pool);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    void answer(IntFunction<Answer> answers) {
        this.answers = answers;
    }

    private void handle(HttpExchange exchange) throws IOException {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        requests.incrementAndGet();
        boolean counted = true;
        try (exchange) {
            exchange.getRequestHeaders().forEach((k, v) -> lastHeaders.put(k.toLowerCase(), v.get(0)));
            JsonNode ids = JSON.readTree(exchange.getRequestBody()).get("ids");
            StringBuilder labels = new StringBuilder();
            Answer failure = null;
            long delay = 0;
            for (JsonNode id : ids) {
                this.ids.add(id.asInt());
                Answer a = answers.apply(id.asInt());
                delay = Math.max(delay, a.delayMillis());
                if (a.label() == null) failure = a;
                else labels.append(labels.isEmpty() ? "" : ",").append('"').append(a.label()).append('"');
            }
            if (delay > 0) Thread.sleep(delay);
            int status = failure == null ? 200 : failure.status();
            byte[] body = (failure == null ? "{\"predictions\": [" + labels + "]}" : failure.body()).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            // no longer in flight once answered: the client may send its next request as soon as it reads this one,
            // before this thread gets to its finally (counting until then saw 4 in flight under concurrency 3)
            inFlight.decrementAndGet();
            counted = false;
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the client gave up (a timeout): nothing to answer
        } finally {
            if (counted) inFlight.decrementAndGet();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }

    /**
     * The tests' own protocol (the real ones are the protocols helper's): the payload is the body, POSTed to
     * {@code /predict}; the answer's {@code predictions} are labels.
     */
    static final class LabelsProtocol implements PredictionProtocol {

        @Override
        public String name() {
            return "test-labels";
        }

        @Override
        public HttpCall request(URI base, Payload payload, ProtocolSpec spec) throws ReplayException.BadPayload {
            if (!payload.body().has("ids")) throw new ReplayException.BadPayload("no \"ids\" to send");
            return new HttpCall(base.resolve("/predict"), payload.body().toString());
        }

        @Override
        public List<Prediction> predictions(String body, ProtocolSpec spec) throws ReplayException.Malformed {
            try {
                JsonNode predictions = JSON.readTree(body).get("predictions");
                if (predictions == null || !predictions.isArray()) throw new ReplayException.Malformed("the answer has no \"predictions\" array");
                return java.util.stream.StreamSupport.stream(predictions.spliterator(), false)
                        .map(p -> p.isNumber() ? Prediction.values(p.asDouble()) : Prediction.label(p.asText())).toList();
            } catch (IOException e) {
                throw new ReplayException.Malformed("the answer is not JSON");
            }
        }
    }
}
