package dev.aviary.shadow.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aviary.shadow.Payload;
import dev.aviary.shadow.Prediction;
import dev.aviary.shadow.PredictionProtocol.HttpCall;
import dev.aviary.shadow.ProtocolSpec;
import dev.aviary.shadow.ReplayException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A custom JSON server. The BentoML fixture follows bentoml/Fraud-Detection-Model-Serving {@code README.md}: the
 * {@code is_fraud} API (served at {@code /is_fraud} on port 3000) answers
 * {@code {"is_fraud": list(map(bool, predictions)), "is_fraud_prob": results[:, 1]}}, one element per row sent.
 */
class JsonProtocolTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final URI BASE = URI.create("http://fraud-detection.default.svc:3000");

    private final JsonProtocol protocol = new JsonProtocol();

    private static ProtocolSpec spec(String path, String prediction, List<String> labels) {
        return new ProtocolSpec("json", null, path, prediction, null, labels);
    }

    @Test
    void thePayloadIsPostedAsItIsToThePath() throws Exception {
        String row = "[{\"TransactionAmt\": 59.0, \"ProductCD\": \"W\", \"card4\": \"visa\", \"M1\": \"T\"}]";
        HttpCall call = protocol.request(BASE, new Payload("golden.json:2", JSON.readTree(row)), spec("/is_fraud", "/is_fraud_prob", List.of()));
        assertEquals(URI.create("http://fraud-detection.default.svc:3000/is_fraud"), call.uri());
        assertEquals(JSON.readTree(row), JSON.readTree(call.body()));
        assertEquals("http://h/api/v1/classify",
                protocol.request(URI.create("http://h/api/"), new Payload("p:1", JSON.readTree("{}")), spec("v1/classify", null, List.of())).uri().toString());
    }

    @Test
    void noPathIsABadPayload() {
        var e = assertThrows(ReplayException.BadPayload.class,
                () -> protocol.request(BASE, new Payload("p:1", JSON.readTree("{}")), spec(null, null, List.of())));
        assertEquals("json needs the request path: add path: /<route> to the replay source", e.getMessage());
    }

    @Test
    void theBentoFraudAnswerForOneRow() throws Exception {
        String answer = "{\"is_fraud\": [false], \"is_fraud_prob\": [0.0123]}";
        Prediction score = protocol.predictions(answer, spec("/is_fraud", "/is_fraud_prob", List.of())).get(0);
        assertTrue(score.isNumeric());
        assertArrayEquals(new double[] {0.0123}, score.scores());
        Prediction label = protocol.predictions(answer, spec("/is_fraud", "/is_fraud", List.of())).get(0);
        assertEquals(List.of("false"), label.labels());
        assertEquals(List.of("true"), protocol.predictions("{\"is_fraud\": true}", spec("/is_fraud", "/is_fraud", List.of())).get(0).labels());
    }

    @Test
    void theWholeBodyWhenNoPointerIsGiven() throws Exception {
        assertArrayEquals(new double[] {0.42}, protocol.predictions("0.42", spec("/score", null, List.of())).get(0).scores());
        assertEquals(List.of("cat"), protocol.predictions("\"cat\"", spec("/label", null, List.of())).get(0).labels());
        Prediction p = protocol.predictions("[0.1, 0.9]", spec("/proba", null, List.of("legit", "fraud"))).get(0);
        assertEquals(List.of("legit", "fraud"), p.labels());
    }

    @Test
    void arraysOfArraysOrObjectsAreManyInstances() throws Exception {
        List<Prediction> vectors = protocol.predictions("{\"result\": [[0.1, 0.9], [0.8, 0.2]]}", spec("/p", "/result", List.of()));
        assertEquals(2, vectors.size());
        assertArrayEquals(new double[] {0.8, 0.2}, vectors.get(1).scores());
        List<Prediction> topk = protocol.predictions("[{\"labels\": [\"a\", \"b\"], \"probabilities\": [0.7, 0.3]}, {\"labels\": [\"b\", \"a\"],"
                + " \"probabilities\": [0.6, 0.4]}]", spec("/p", null, List.of()));
        assertEquals(List.of("b", "a"), topk.get(1).labels());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not JSON                   | Traceback (most recent call last)         | /prediction | json answer is not JSON
            nothing at the pointer     | {"is_fraud": [false]}                     | /prediction | the answer has nothing at /prediction; found is_fraud
            a null at the pointer      | {"prediction": null}                      | /prediction | the answer has nothing at /prediction
            a probability as a string  | {"prediction": [0.2, "0.8"]}              | /prediction | /prediction[1]: expected a number, found "0.8"
            a NaN token                | {"prediction": NaN}                       | /prediction | /prediction: NaN is not a finite number
            an empty array             | {"prediction": []}                        | /prediction | /prediction is an empty array
            several outputs, none named| {"prediction": {"a": 1, "b": 2}}          | /prediction | /prediction has outputs a, b
            """)
    void malformedAnswersSayWhatWasExpected(String what, String body, String pointer, String message) {
        var e = assertThrows(ReplayException.Malformed.class, () -> protocol.predictions(body, spec("/p", pointer, List.of())), what);
        assertTrue(e.getMessage().contains(message), what + ": " + e.getMessage());
    }
}
