package dev.aviary.sandbox.fraud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The model servers over real HTTP (java.net.http): every protocol answers what the model predicts in-process, bad
 * requests get a 400 with one line saying what to fix, and the knobs add latency and 5xx without touching the
 * predictions.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NAME = "fraud-classifier";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Transaction> rows = Transactions.unlabelled(Transactions.PAYLOAD_SEED, Transactions.PAYLOAD_ROWS);
    private FraudModels models;
    private ModelServer baseline;
    private ModelServer badCanary;

    @BeforeAll
    void start() throws Exception {
        models = FraudModels.train(FraudModels.SEED);
        baseline = ModelServer.start(NAME, models.baseline(), ModelServer.Behaviour.HEALTHY, 1);
        badCanary = ModelServer.start(NAME, models.badCanary(), ModelServer.Behaviour.HEALTHY, 2);
    }

    @AfterAll
    void stop() {
        if (baseline != null) baseline.close();
        if (badCanary != null) badCanary.close();
    }

    @AfterEach
    void healthyAgain() {
        baseline.behave(ModelServer.Behaviour.HEALTHY);
    }

    @Test
    void classifyAnswersTheInProcessVerdictRowByRow() throws Exception {
        for (Transaction t : rows.subList(0, 40)) {
            JsonNode answer = ok(post(baseline, "/classify", t.toJson()));
            FraudModel.Verdict v = models.baseline().predict(t);
            assertEquals(v.label(), answer.get("prediction").asText());
            assertEquals(v.fraud(), answer.get("probability").doubleValue(), 0.0);
            assertEquals(2, answer.size(), "only prediction and probability: " + answer);
        }
    }

    @Test
    void theTutorialsRecordsRequestAnswersOneZeroOrOnePerRow() throws Exception {
        String tutorial = "[{\"isFraud\":0, \"TransactionAmt\":495.0,\"ProductCD\":\"W\",\"card4\":\"visa\",\"P_emaildomain\":\"live.com\","
                + "\"R_emaildomain\":null,\"M1\":\"T\",\"M2\":\"T\",\"M3\":\"T\"}]";
        JsonNode answer = ok(post(baseline, "/predict", tutorial));
        Transaction row = Transaction.fromJson(JSON.readTree(tutorial).get(0));
        assertEquals(JSON.readTree("[" + (models.baseline().predict(row).label().equals(FraudModel.FRAUD) ? 1 : 0) + "]"), answer);

        ArrayNode many = JsonNodeFactory.instance.arrayNode();
        rows.subList(0, 30).forEach(t -> many.add(t.toJson()));
        JsonNode thirty = ok(post(badCanary, "/predict", many));
        List<FraudModel.Verdict> verdicts = models.badCanary().predict(rows.subList(0, 30));
        for (int i = 0; i < 30; i++) assertEquals(verdicts.get(i).label().equals(FraudModel.FRAUD) ? 1 : 0, thirty.get(i).intValue(), "row " + i);
    }

    @Test
    void tfServingAndKServeV1AnswerLabelsAndProbabilitiesPerInstance() throws Exception {
        ObjectNode request = JsonNodeFactory.instance.objectNode();
        ArrayNode instances = request.putArray("instances");
        rows.subList(0, 60).forEach(t -> instances.add(t.toJson()));
        JsonNode predictions = ok(post(baseline, "/v1/models/" + NAME + ":predict", request)).get("predictions");
        List<FraudModel.Verdict> verdicts = models.baseline().predict(rows.subList(0, 60));
        assertEquals(60, predictions.size());
        for (int i = 0; i < 60; i++) {
            assertEquals(JSON.readTree("[\"legit\",\"fraud\"]"), predictions.get(i).get("labels"));
            assertEquals(verdicts.get(i).legit(), predictions.get(i).get("probabilities").get(0).doubleValue(), 0.0);
            assertEquals(verdicts.get(i).fraud(), predictions.get(i).get("probabilities").get(1).doubleValue(), 0.0);
        }
    }

    @Test
    void openInferenceV2AnswersTensorsPerColumnBatches() throws Exception {
        List<Transaction> batch = rows.subList(0, 25);
        ObjectNode request = v2Request(batch);
        request.put("id", "42");
        JsonNode answer = ok(post(baseline, "/v2/models/" + NAME + "/infer", request));
        assertEquals(NAME, answer.get("model_name").asText());
        assertEquals("42", answer.get("id").asText());
        JsonNode proba = output(answer, "predict_proba");
        JsonNode label = output(answer, "label");
        assertEquals(JSON.readTree("[25,2]"), proba.get("shape"));
        assertEquals("FP64", proba.get("datatype").asText());
        assertEquals(JSON.readTree("[25]"), label.get("shape"));
        assertEquals("BYTES", label.get("datatype").asText());
        List<FraudModel.Verdict> verdicts = models.baseline().predict(batch);
        for (int i = 0; i < batch.size(); i++) {
            assertEquals(verdicts.get(i).label(), label.get("data").get(i).asText());
            assertEquals(verdicts.get(i).legit(), proba.get("data").get(2 * i).doubleValue(), 0.0);
            assertEquals(verdicts.get(i).fraud(), proba.get("data").get(2 * i + 1).doubleValue(), 0.0);
        }

        // one row as the replay's V2 client sends it (shape [1] per feature), asking for the label alone
        ObjectNode one = v2Request(rows.subList(7, 8));
        one.putArray("outputs").addObject().put("name", "label");
        JsonNode single = ok(post(badCanary, "/v2/models/" + NAME + "/infer", one));
        assertEquals(1, single.get("outputs").size());
        assertFalse(single.has("id"), "no id asked, none echoed");
        assertEquals(models.badCanary().predict(rows.get(7)).label(), output(single, "label").get("data").get(0).asText());
    }

    @Test
    void openInferenceV2HealthAndMetadata() throws Exception {
        assertEquals(JSON.readTree("{\"ready\":true}"), ok(get(baseline, "/v2/health/ready")));
        assertEquals(JSON.readTree("{\"live\":true}"), ok(get(baseline, "/v2/health/live")));
        assertEquals(JSON.readTree("{\"name\":\"" + NAME + "\",\"ready\":true}"), ok(get(baseline, "/v2/models/" + NAME + "/ready")));
        JsonNode meta = ok(get(baseline, "/v2/models/" + NAME));
        assertEquals(NAME, meta.get("name").asText());
        assertEquals(Transaction.COLUMNS.size(), meta.get("inputs").size());
        assertEquals("TransactionAmt", meta.get("inputs").get(0).get("name").asText());
        assertEquals(JSON.readTree("[-1,2]"), meta.get("outputs").get(0).get("shape"));
        assertError(get(baseline, "/v2/models/resnet"), 404, "unknown model \"resnet\"; this server serves \"fraud-classifier\"");
    }

    @Test
    void agreementOverHttpEqualsTheOfflineAgreement() throws Exception {
        int same = 0;
        for (Transaction t : rows) {
            String a = ok(post(baseline, "/classify", t.toJson())).get("prediction").asText();
            String b = ok(post(badCanary, "/classify", t.toJson())).get("prediction").asText();
            if (a.equals(b)) same++;
        }
        double offline = FraudModels.agreement(models.baseline(), models.badCanary(), rows);
        assertEquals(offline, same / (double) rows.size(), 0.0);
        assertTrue(offline < 0.85, "the cents canary disagrees: " + offline);
    }

    @Test
    void badRequestsGetA400WithOneLineSayingWhatToFix() throws Exception {
        ObjectNode row = rows.get(0).toJson();
        long failedBefore = baseline.failed();
        long predictedBefore = baseline.predicted();
        assertError(post(baseline, "/classify", "{\"TransactionAmt\": 12"), 400, "the body is not valid JSON");
        assertError(post(baseline, "/classify", ""), 400, "the body is empty");
        ObjectNode noFlag = row.deepCopy();
        noFlag.remove("M3");
        assertError(post(baseline, "/classify", noFlag), 400, "missing M3");
        assertError(post(baseline, "/classify", JsonNodeFactory.instance.arrayNode().add(row)), 400, "POST an array of them to /predict");
        assertError(post(baseline, "/predict", row), 400, "the body must be a non-empty JSON array");
        ObjectNode instances = JsonNodeFactory.instance.objectNode();
        instances.putArray("instances").add(row).add(row.deepCopy().put("M1", "maybe"));
        assertError(post(baseline, "/v1/models/" + NAME + ":predict", instances), 400, "instances[1]: M1 must be \"T\" or \"F\"");
        assertError(post(baseline, "/v1/models/" + NAME + ":predict", row), 400, "{\"instances\": [row, ...]}");

        ObjectNode v2 = v2Request(rows.subList(0, 2));
        ((ArrayNode) v2.get("inputs")).remove(1);
        assertError(post(baseline, "/v2/models/" + NAME + "/infer", v2), 400, "missing input ProductCD");
        ObjectNode textAmount = v2Request(rows.subList(0, 2));
        ((ObjectNode) textAmount.get("inputs").get(0)).put("datatype", "BYTES");
        assertError(post(baseline, "/v2/models/" + NAME + "/infer", textAmount), 400, "input TransactionAmt: datatype BYTES, expected FP64");
        ObjectNode shortData = v2Request(rows.subList(0, 2));
        ((ObjectNode) shortData.get("inputs").get(2)).putArray("shape").add(3);
        assertError(post(baseline, "/v2/models/" + NAME + "/infer", shortData), 400, "input card4: shape [3] holds 3 values but data has 2");
        ObjectNode unknownOutput = v2Request(rows.subList(0, 1));
        unknownOutput.putArray("outputs").addObject().put("name", "scores");
        assertError(post(baseline, "/v2/models/" + NAME + "/infer", unknownOutput), 400, "unknown output \"scores\"");

        assertError(post(baseline, "/v2/models/other/infer", v2Request(rows.subList(0, 1))), 404, "unknown model \"other\"");
        assertError(get(baseline, "/classify"), 405, "use POST for /classify");
        assertError(get(baseline, "/v1/models"), 404, "no such endpoint: /v1/models");
        assertEquals(failedBefore, baseline.failed(), "bad requests are not injected failures");
        assertEquals(predictedBefore, baseline.predicted(), "nor predictions");
    }

    @Test
    void latencyAndFailuresAreKnobsThatLeaveThePredictionsAlone() throws Exception {
        Transaction t = rows.get(3);
        baseline.behave(new ModelServer.Behaviour(Duration.ofMillis(300), 0));
        long start = System.nanoTime();
        JsonNode slow = ok(post(baseline, "/classify", t.toJson()));
        assertTrue(System.nanoTime() - start >= 300_000_000L, "the answer waited the added latency");
        assertEquals(models.baseline().predict(t).fraud(), slow.get("probability").doubleValue(), 0.0);
        assertEquals(JSON.readTree("{\"ready\":true}"), ok(get(baseline, "/v2/health/ready")), "health probes are not slowed or failed");

        baseline.behave(new ModelServer.Behaviour(Duration.ZERO, 1));
        long failedBefore = baseline.failed();
        assertError(post(baseline, "/classify", t.toJson()), 500, "injected failure");
        assertEquals(failedBefore + 1, baseline.failed());

        baseline.behave(new ModelServer.Behaviour(Duration.ZERO, 0.3));
        int failures = 0;
        for (int i = 0; i < 200; i++) {
            if (post(baseline, "/classify", t.toJson()).statusCode() == 500) failures++;
        }
        assertTrue(failures > 35 && failures < 85, "about 30% of 200 requests fail: " + failures);

        baseline.behave(ModelServer.Behaviour.HEALTHY);
        ok(post(baseline, "/classify", t.toJson()));
    }

    /** An Open Inference request as MLServer's pandas codec lays a batch out: one tensor per column. */
    private static ObjectNode v2Request(List<Transaction> batch) {
        ObjectNode request = JsonNodeFactory.instance.objectNode();
        ArrayNode inputs = request.putArray("inputs");
        for (String column : Transaction.COLUMNS) {
            ObjectNode input = inputs.addObject();
            input.put("name", column);
            input.putArray("shape").add(batch.size());
            boolean amount = column.equals(Transaction.AMOUNT);
            // M1 as BOOL, the other flags as BYTES "T"/"F": the server takes both
            input.put("datatype", amount ? "FP64" : column.equals("M1") ? "BOOL" : "BYTES");
            ArrayNode data = input.putArray("data");
            for (Transaction t : batch) {
                if (column.equals("M1")) data.add(t.m1());
                else data.add(t.toJson().get(column));
            }
        }
        return request;
    }

    private static JsonNode output(JsonNode answer, String name) {
        for (Iterator<JsonNode> it = answer.get("outputs").elements(); it.hasNext(); ) {
            JsonNode o = it.next();
            if (o.get("name").asText().equals(name)) return o;
        }
        throw new AssertionError("no output " + name + " in " + answer);
    }

    private HttpResponse<String> post(ModelServer server, String path, Object body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.uri() + path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(ModelServer server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.uri() + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode ok(HttpResponse<String> response) throws Exception {
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
        return JSON.readTree(response.body());
    }

    private static void assertError(HttpResponse<String> response, int status, String expected) throws Exception {
        assertEquals(status, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals(1, body.size(), "only \"error\": " + body);
        String message = body.get("error").asText();
        assertTrue(message.contains(expected), "\"" + message + "\" should say: " + expected);
        assertFalse(message.contains("\n") || message.contains("Exception") || message.contains("\tat "), "one line, no stack: " + message);
    }
}
