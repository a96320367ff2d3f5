package dev.aviary.sandbox.fraud;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.aviary.sandbox.fraud.Transaction.BadInput;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One fraud classifier behind real HTTP on 127.0.0.1, answering every protocol Aviary replays with at once:
 * <ul>
 *   <li>BentoML-style JSON: {@code POST /classify} with one row object answers {@code {"prediction": "fraud"|"legit",
 *       "probability": p(fraud)}}; {@code POST /predict} with a JSON array of row objects (the KServe tutorial's
 *       BentoML service, a pandas DataFrame input) answers one 0/1 per row, 1 = fraud, as its {@code [1]};</li>
 *   <li>TF Serving REST and KServe V1 (the same path and body): {@code POST /v1/models/{name}:predict} with {@code
 *       {"instances": [row, ...]}} answers {@code {"predictions": [{"labels": ["legit", "fraud"], "probabilities":
 *       [p0, p1]}, ...]}};</li>
 *   <li>the Open Inference Protocol V2: {@code GET /v2}, {@code /v2/health/live}, {@code /v2/health/ready}, {@code
 *       /v2/models/{name}}, {@code /v2/models/{name}/ready} and {@code POST /v2/models/{name}/infer}
 *       ({@link OpenInferenceCodec}).</li>
 * </ul>
 * A bad request answers 400 with {@code {"error": "one line"}}, an unknown model or path 404. The {@link Behaviour}
 * adds latency and injected 500s to the prediction endpoints, so a test can make a canary's error rate and latency
 * perfect while its predictions differ, or the reverse.
 */
public final class ModelServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 8 << 20;
    private static final String V1_PREFIX = "/v1/models/";
    private static final String V1_SUFFIX = ":predict";
    private static final String V2_MODELS = "/v2/models/";
    /**
     * Without TCP_NODELAY the JDK server sends the headers and the body in two segments and every answer waits for the
     * client's delayed ACK (~40 ms). The JDK reads this property once, when its first HttpServer starts; the launcher
     * and the test JVM set it up front, this covers a JVM where a model server is the first.
     */
    private static final String NODELAY = "sun.net.httpserver.nodelay";

    /**
     * How the prediction endpoints misbehave.
     *
     * @param latency     added before every prediction answer
     * @param failureRate the share of prediction requests answered 500 instead, in [0, 1]
     */
    public record Behaviour(Duration latency, double failureRate) {
        public static final Behaviour HEALTHY = new Behaviour(Duration.ZERO, 0);

        public Behaviour {
            if (latency.isNegative()) throw new IllegalArgumentException("latency must be >= 0, got " + latency);
            if (!(failureRate >= 0 && failureRate <= 1)) throw new IllegalArgumentException("failureRate must be in [0, 1], got " + failureRate);
        }
    }

    private record Answer(int status, JsonNode body) {}

    private final String modelName;
    private final FraudModel model;
    private final HttpServer server;
    private final ExecutorService pool;
    private final Random failures;
    private volatile Behaviour behaviour;
    private final AtomicLong predicted = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    private ModelServer(String modelName, FraudModel model, Behaviour behaviour, long seed, int threads) throws IOException {
        this.modelName = modelName;
        this.model = model;
        this.behaviour = behaviour;
        this.failures = new Random(seed);
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "model-server-" + model.name() + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        if (System.getProperty(NODELAY) == null) System.setProperty(NODELAY, "true");
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * Serves {@code model} as {@code modelName} (the name in the V1 and V2 paths, e.g. the InferenceService's) on a free
     * port, with 4 request threads; {@code seed} draws the injected failures.
     */
    public static ModelServer start(String modelName, FraudModel model, Behaviour behaviour, long seed) throws IOException {
        return new ModelServer(modelName, model, behaviour, seed, 4);
    }

    /** The base URI, {@code http://127.0.0.1:port}, without a trailing slash. */
    public URI uri() {
        return URI.create("http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort());
    }

    public String modelName() {
        return modelName;
    }

    public FraudModel model() {
        return model;
    }

    /** Changes the misbehaviour from the next request on. */
    public void behave(Behaviour behaviour) {
        this.behaviour = behaviour;
    }

    /** Prediction requests answered 200 so far. */
    public long predicted() {
        return predicted.get();
    }

    /** Prediction requests answered with an injected 500 so far. */
    public long failed() {
        return failed.get();
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Answer answer;
            try {
                answer = route(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(), exchange.getRequestBody());
            } catch (BadInput e) {
                answer = error(400, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                answer = error(503, "the server is stopping");
            } catch (RuntimeException e) {
                answer = error(500, "internal error: " + e.getClass().getSimpleName());
            }
            byte[] body = JSON.writeValueAsBytes(answer.body());
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(answer.status(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private Answer route(String method, String rawPath, InputStream body) throws IOException, InterruptedException {
        String path = URLDecoder.decode(rawPath, StandardCharsets.UTF_8);
        switch (path) {
            case "/classify" -> {
                return post(method, path, body, this::classify);
            }
            case "/predict" -> {
                return post(method, path, body, this::records);
            }
            case "/v2" -> {
                return get(method, path, () -> object().put("name", "aviary-fraud-sandbox").put("version", "1")
                        .set("extensions", JsonNodeFactory.instance.arrayNode()));
            }
            case "/v2/health/live" -> {
                return get(method, path, () -> object().put("live", true));
            }
            case "/v2/health/ready" -> {
                return get(method, path, () -> object().put("ready", true));
            }
            default -> {
                // fall through to the paths that carry a model name
            }
        }
        if (path.startsWith(V1_PREFIX) && path.endsWith(V1_SUFFIX)) {
            String name = path.substring(V1_PREFIX.length(), path.length() - V1_SUFFIX.length());
            return served(name) ? post(method, path, body, this::tfServing) : unknownModel(name);
        }
        if (path.startsWith(V2_MODELS)) {
            String rest = path.substring(V2_MODELS.length());
            if (rest.endsWith("/infer")) return v2(rest.substring(0, rest.length() - "/infer".length()), method, path, body, true);
            if (rest.endsWith("/ready")) return v2(rest.substring(0, rest.length() - "/ready".length()), method, path, body, false);
            if (!served(rest)) return unknownModel(rest);
            return get(method, path, () -> OpenInferenceCodec.metadata(modelName, model));
        }
        return error(404, "no such endpoint: " + OpenInferenceCodec.cap(path) + "; this server answers /classify, /predict, "
                + V1_PREFIX + modelName + V1_SUFFIX + " and " + V2_MODELS + modelName + "/infer");
    }

    private Answer v2(String name, String method, String path, InputStream body, boolean infer) throws IOException, InterruptedException {
        if (!served(name)) return unknownModel(name);
        if (!infer) return get(method, path, () -> object().put("name", modelName).put("ready", true));
        return post(method, path, body, request -> {
            JsonNode id = request.get("id");
            if (id != null && !id.isTextual()) throw new BadInput("\"id\" must be a string, got " + Transaction.describe(id));
            List<String> outputs = OpenInferenceCodec.requestedOutputs(request);
            List<Transaction> rows = OpenInferenceCodec.transactions(request);
            return OpenInferenceCodec.response(modelName, id == null ? null : id.asText(), model.predict(rows), outputs);
        });
    }

    /** {@code /classify}: one row object, one answer. */
    private JsonNode classify(JsonNode request) {
        if (!request.isObject()) throw new BadInput("the body must be one JSON object of named features; POST an array of them to /predict");
        FraudModel.Verdict v = model.predict(Transaction.fromJson(request));
        return object().put("prediction", v.label()).put("probability", v.fraud());
    }

    /** {@code /predict}: the tutorial's records (a DataFrame) in, 0/1 per row out. */
    private JsonNode records(JsonNode request) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (FraudModel.Verdict v : model.predict(rows(request, "row"))) out.add(v.label().equals(FraudModel.FRAUD) ? 1 : 0);
        return out;
    }

    private JsonNode tfServing(JsonNode request) {
        JsonNode instances = request.get("instances");
        if (!request.isObject() || instances == null || !instances.isArray() || instances.isEmpty()) {
            throw new BadInput("the body must be {\"instances\": [row, ...]} with one JSON object of named features per row");
        }
        ObjectNode answer = object();
        ArrayNode predictions = answer.putArray("predictions");
        for (FraudModel.Verdict v : model.predict(rows(instances, "instances"))) {
            ObjectNode p = predictions.addObject();
            ArrayNode labels = p.putArray("labels");
            FraudModel.LABELS.forEach(labels::add);
            ArrayNode probabilities = p.putArray("probabilities");
            for (double q : v.probabilities()) probabilities.add(q);
        }
        return answer;
    }

    private static List<Transaction> rows(JsonNode array, String what) {
        if (!array.isArray() || array.isEmpty()) {
            throw new BadInput((what.equals("row") ? "the body" : "\"" + what + "\"") + " must be a non-empty JSON array of row objects");
        }
        List<Transaction> rows = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            try {
                rows.add(Transaction.fromJson(array.get(i)));
            } catch (BadInput e) {
                throw new BadInput(what + "[" + i + "]: " + e.getMessage());
            }
        }
        return rows;
    }

    private interface Predictor {
        JsonNode answer(JsonNode request);
    }

    /** A prediction endpoint: misbehaves as told, then parses the body and answers. */
    private Answer post(String method, String path, InputStream in, Predictor predictor) throws IOException, InterruptedException {
        if (!method.equals("POST")) return error(405, "use POST for " + path);
        byte[] bytes = in.readNBytes(MAX_BODY + 1);
        if (bytes.length > MAX_BODY) return error(413, "the body is larger than " + (MAX_BODY >> 20) + " MiB");
        Behaviour now = behaviour;
        if (!now.latency().isZero()) Thread.sleep(now.latency().toMillis());
        if (now.failureRate() > 0 && failures.nextDouble() < now.failureRate()) {
            failed.incrementAndGet();
            return error(500, "injected failure (failureRate " + now.failureRate() + ")");
        }
        JsonNode request;
        try {
            request = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            return error(400, "the body is not valid JSON: " + OpenInferenceCodec.cap(String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse("")));
        }
        if (request == null || request.isMissingNode()) return error(400, "the body is empty; send a JSON request");
        JsonNode answer = predictor.answer(request);
        predicted.incrementAndGet();
        return new Answer(200, answer);
    }

    private interface Body {
        JsonNode get();
    }

    private static Answer get(String method, String path, Body body) {
        return method.equals("GET") ? new Answer(200, body.get()) : error(405, "use GET for " + path);
    }

    private boolean served(String name) {
        return name.equals(modelName);
    }

    private Answer unknownModel(String name) {
        return error(404, "unknown model \"" + OpenInferenceCodec.cap(name) + "\"; this server serves \"" + modelName + "\"");
    }

    private static Answer error(int status, String message) {
        return new Answer(status, object().put("error", message));
    }

    private static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }
}
