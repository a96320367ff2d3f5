package dev.aviary.shadow.tfserving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aviary.shadow.Answers;
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
 * TF Serving's REST predict API. Fixtures are the documented bodies of tensorflow/serving
 * {@code tensorflow_serving/g3doc/api_rest.md} ("Predict API", "Example"), and the Istio canary tutorial the project
 * follows (GoogleCloudPlatform/mlops-on-gcp {@code workshops/mlep-qwiklabs/tfserving-canary-gke}: model
 * {@code image_classifier} on port 8501, {@code payloads/request-body.json}, top-k labels with probabilities).
 */
class TfServingProtocolTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final URI BASE = URI.create("http://image-classifier.default.svc:8501");
    private static final ProtocolSpec RESNET = spec("image_classifier", null, List.of());

    private final TfServingProtocol protocol = new TfServingProtocol();

    static ProtocolSpec spec(String model, String prediction, List<String> labels) {
        return new ProtocolSpec("tfserving", model, null, prediction, null, labels);
    }

    static Payload payload(String json) throws Exception {
        return new Payload("golden.jsonl:1", JSON.readTree(json));
    }

    private static JsonNode body(HttpCall call) throws Exception {
        return JSON.readTree(call.body());
    }

    @Test
    void theTutorialsRequestBodyIsSentAsItIs() throws Exception {
        // payloads/request-body.json: {"signature_name": "serving_preprocess", "instances": [{"b64": "<jpeg>"}]}
        String stored = "{\"signature_name\": \"serving_preprocess\", \"instances\": [{\"b64\": \"/9j/4AAQSkZJRgABAQEAYABgAAD\"}]}";
        HttpCall call = protocol.request(BASE, payload(stored), RESNET);
        assertEquals(URI.create("http://image-classifier.default.svc:8501/v1/models/image_classifier:predict"), call.uri());
        assertEquals(JSON.readTree(stored), body(call));
    }

    @Test
    void aColumnarRequestIsSentAsItIs() throws Exception {
        // api_rest.md, "Specifying input tensors in column format"
        String columnar = "{\"inputs\": {\"tag\": [\"foo\", \"bar\"], \"signal\": [[1, 2, 3, 4, 5], [3, 4, 1, 2, 5]],"
                + " \"sensor\": [[[1, 2], [3, 4]], [[4, 5], [6, 8]]]}}";
        assertEquals(JSON.readTree(columnar), body(protocol.request(BASE, payload(columnar), RESNET)));
    }

    @Test
    void anInstanceIsWrappedInInstances() throws Exception {
        // api_rest.md, "Specifying input tensors in row format": one object of named inputs per instance (the
        // doc's second instance has a stray "]" after "signal"; this is the first, as documented)
        String instance = "{\"tag\": \"foo\", \"signal\": [1, 2, 3, 4, 5], \"sensor\": [[1, 2], [3, 4]]}";
        assertEquals(JSON.readTree("{\"instances\": [" + instance + "]}"), body(protocol.request(BASE, payload(instance), RESNET)));
        // a bare tensor and a scalar are instances too: {"instances": [ [[1, 2]] ]}, {"instances": ["foo"]}
        assertEquals(JSON.readTree("{\"instances\": [[[1, 2]]]}"), body(protocol.request(BASE, payload("[[1, 2]]"), RESNET)));
        assertEquals(JSON.readTree("{\"instances\": [\"foo\"]}"), body(protocol.request(BASE, payload("\"foo\""), RESNET)));
    }

    @Test
    void theModelNameIsOneEscapedPathSegment() throws Exception {
        HttpCall call = protocol.request(URI.create("http://gw.example/serving/resnet/"), payload("[1]"), spec("resnet 50/v:2", null, List.of()));
        assertEquals("http://gw.example/serving/resnet/v1/models/resnet%2050%2Fv%3A2:predict", call.uri().toString());
        assertEquals("/serving/resnet/v1/models/resnet 50/v:2:predict", call.uri().getPath(), "decoded, the name is intact");
        assertEquals("http://h:1/v1/models/caf%C3%A9:predict",
                protocol.request(URI.create("http://h:1"), payload("[1]"), spec("café", null, List.of())).uri().toString());
    }

    @Test
    void anOpenInferenceRequestIsNotSentToTfServing() throws Exception {
        String v2 = "{\"inputs\": [{\"name\": \"input0\", \"shape\": [1], \"datatype\": \"FP32\", \"data\": [1.0]}]}";
        var e = assertThrows(ReplayException.BadPayload.class, () -> protocol.request(BASE, payload(v2), RESNET));
        assertEquals("golden.jsonl:1: this is an Open Inference Protocol inference_request (typed \"inputs\" tensors); "
                + "replay it with protocol: v2, or store tfserving bodies", e.getMessage());
    }

    @Test
    void aSpecWithoutModelOrANullPayloadIsABadPayload() throws Exception {
        var e = assertThrows(ReplayException.BadPayload.class, () -> protocol.request(BASE, payload("[1]"), spec(" ", null, List.of())));
        assertTrue(e.getMessage().contains("model"), e.getMessage());
        var n = assertThrows(ReplayException.BadPayload.class, () -> protocol.request(BASE, payload("null"), RESNET));
        assertTrue(n.getMessage().startsWith("golden.jsonl:1"), n.getMessage());
    }

    @Test
    void scoresFromTheHalfPlusThreeExample() throws Exception {
        // api_rest.md, "Example": {"instances": [1.0,2.0,5.0]} answers { "predictions": [3.5, 4.0, 5.5] }
        List<Prediction> p = protocol.predictions("{\n    \"predictions\": [3.5, 4.0, 5.5]\n}", spec("half_plus_three", null, List.of()));
        assertEquals(3, p.size());
        assertTrue(p.stream().allMatch(Prediction::isNumeric));
        assertArrayEquals(new double[] {5.5}, p.get(2).scores());
    }

    @Test
    void theTutorialsTopKLabelsWithProbabilities() throws Exception {
        // ResNet50 ranks "military uniform" first at about 45%, ResNet101 at about 94% (the tutorial's README)
        String resnet50 = "{\"predictions\": [{\"labels\": [\"military uniform\", \"bow tie\", \"suit\", \"academic gown\", \"bulletproof vest\"],"
                + " \"probabilities\": [0.453408211, 0.209194973, 0.193582058, 0.0409308933, 0.0137334978]}]}";
        Prediction p = protocol.predictions(resnet50, RESNET).get(0);
        assertEquals(List.of("military uniform", "bow tie", "suit", "academic gown", "bulletproof vest"), p.labels());
        assertEquals(0.453408211, p.scores()[0], 1e-12);
    }

    @Test
    void classifierClassesAndScores() throws Exception {
        // TF Serving's classification signature names its outputs "classes" and "scores"
        Prediction p = protocol.predictions("{\"predictions\": [{\"classes\": [\"cat\", \"dog\"], \"scores\": [0.2, 0.8]}]}", RESNET).get(0);
        assertEquals(List.of("cat", "dog"), p.labels());
        assertArrayEquals(new double[] {0.2, 0.8}, p.scores());
    }

    @Test
    void theOfficialResNetExportsArgmaxNextToItsProbabilityVector() throws Exception {
        // the official ResNet SavedModel's predict signature: classes (DT_INT32, shape (-1)) and probabilities (-1, 1001)
        Prediction p = protocol.predictions("{\"predictions\": [{\"classes\": 2, \"probabilities\": [0.1, 0.2, 0.7]}]}", RESNET).get(0);
        assertEquals(List.of("0", "1", "2"), p.labels());
        assertArrayEquals(new double[] {0.1, 0.2, 0.7}, p.scores());
    }

    @Test
    void probabilityVectorsLabelledByIndexOrByThePolicy() throws Exception {
        String answer = "{\"predictions\": [[0.1, 0.9], [0.7, 0.3]]}";
        assertEquals(List.of("0", "1"), protocol.predictions(answer, RESNET).get(1).labels());
        List<Prediction> named = protocol.predictions(answer, spec("m", null, List.of("legit", "fraud")));
        assertEquals(List.of("legit", "fraud"), named.get(0).labels());
        assertArrayEquals(new double[] {0.7, 0.3}, named.get(1).scores());
    }

    @Test
    void aSigmoidsOneElementVectorIsAScore() throws Exception {
        Prediction p = protocol.predictions("{\"predictions\": [[0.83]]}", RESNET).get(0);
        assertTrue(p.isNumeric());
        assertArrayEquals(new double[] {0.83}, p.scores());
    }

    @Test
    void labelsAlone() throws Exception {
        List<Prediction> p = protocol.predictions("{\"predictions\": [\"cat\", [\"dog\", \"wolf\"]]}", RESNET);
        assertEquals(Prediction.label("cat").labels(), p.get(0).labels());
        assertEquals(List.of("dog", "wolf"), p.get(1).labels());
        assertEquals(0, p.get(1).scores().length);
    }

    @Test
    void aPointerPicksOneOfSeveralNamedOutputs() throws Exception {
        // "If the model outputs multiple named tensors, we output a list of objects instead"
        String answer = "{\"predictions\": [{\"logits\": [1.5, -2.0], \"fraud_score\": 0.12}, {\"logits\": [0.1, 0.2], \"fraud_score\": 0.91}]}";
        List<Prediction> p = protocol.predictions(answer, spec("fraud", "/fraud_score", List.of()));
        assertArrayEquals(new double[] {0.91}, p.get(1).scores());
        var e = assertThrows(ReplayException.Malformed.class, () -> protocol.predictions(answer, RESNET));
        assertTrue(e.getMessage().contains("logits, fraud_score") && e.getMessage().contains("prediction: /"), e.getMessage());
        var missing = assertThrows(ReplayException.Malformed.class, () -> protocol.predictions(answer, spec("fraud", "/score", List.of())));
        assertEquals("predictions[0] has nothing at /score; found logits, fraud_score", missing.getMessage());
    }

    @Test
    void columnarOutputsAreCutIntoInstances() throws Exception {
        // api_rest.md: a columnar request is answered {"outputs": <value>|<(nested)list>|<object>}
        List<Prediction> list = protocol.predictions("{\"outputs\": [[0.1, 0.9], [0.6, 0.4]]}", RESNET);
        assertArrayEquals(new double[] {0.6, 0.4}, list.get(1).scores());
        String named = "{\"outputs\": {\"labels\": [[\"a\", \"b\"], [\"b\", \"a\"]], \"probabilities\": [[0.8, 0.2], [0.7, 0.3]]}}";
        List<Prediction> rows = protocol.predictions(named, RESNET);
        assertEquals(2, rows.size());
        assertEquals(List.of("b", "a"), rows.get(1).labels());
        assertArrayEquals(new double[] {0.7, 0.3}, rows.get(1).scores());
        var ragged = assertThrows(ReplayException.Malformed.class,
                () -> protocol.predictions("{\"outputs\": {\"a\": [1, 2], \"b\": [1]}}", RESNET));
        assertTrue(ragged.getMessage().contains("batch size (2 and 1)"), ragged.getMessage());
    }

    @Test
    void nanAndInfinityTokensParseAndAreRefused() {
        // api_rest.md, "JSON conformance": TF Serving writes NaN and Infinity as bare tokens
        var nan = assertThrows(ReplayException.Malformed.class, () -> protocol.predictions("{\"predictions\": [[0.5, NaN]]}", RESNET));
        assertEquals("predictions[0][1]: NaN is not a finite number; the model answered no usable value", nan.getMessage());
        var inf = assertThrows(ReplayException.Malformed.class, () -> protocol.predictions("{\"predictions\": [-Infinity]}", RESNET));
        assertTrue(inf.getMessage().contains("-Infinity is not a finite number"), inf.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not JSON                        | <html>502</html>                                            | tfserving answer is not JSON
            empty                           | ' '                                                         | tfserving answer is empty
            an array                        | [1, 2]                                                      | should be {"predictions": [...]}, found [1,2]
            an error in a 200               | {"error": "Servable not found for request: Latest(half)"}   | no "predictions" nor "outputs"; found error
            no predictions                  | {"result": [1]}                                             | found result
            empty predictions               | {"predictions": []}                                         | empty array
            a probability as a string       | {"predictions": [[0.5, "0.5"]]}                             | predictions[0][1]: expected a number, found "0.5"
            a NaN string                    | {"predictions": [[0.5, "NaN"]]}                             | predictions[0][1]: expected a number, found "NaN"
            nested vectors                  | {"predictions": [[[0.1, 0.9]]]}                             | nested arrays
            an empty object                 | {"predictions": [{}]}                                       | predictions[0] is an empty object
            a null                          | {"predictions": [null]}                                     | predictions[0]: expected a score
            labels and probabilities differ | {"predictions": [{"labels": ["a", "b"], "probabilities": [1]}]} | 2 labels but 1 probabilities
            probabilities not an array      | {"predictions": [{"labels": ["a"], "probabilities": 0.5}]}  | expected an array of probabilities
            a label that is an object       | {"predictions": [{"labels": [{"x": 1}], "probabilities": [1]}]} | expected labels (strings)
            an empty vector                 | {"predictions": [[]]}                                       | predictions[0] is an empty array
            """)
    void malformedAnswersSayWhatWasExpected(String what, String body, String message) {
        var e = assertThrows(ReplayException.Malformed.class, () -> protocol.predictions(body, RESNET), what);
        assertTrue(e.getMessage().contains(message), what + ": " + e.getMessage());
        assertTrue(!e.getMessage().contains("\n") && e.getMessage().length() < 200, e.getMessage());
    }

    @Test
    void theWrongNumberOfPolicyLabelsIsMalformed() {
        var e = assertThrows(ReplayException.Malformed.class,
                () -> protocol.predictions("{\"predictions\": [[0.2, 0.3, 0.5]]}", spec("m", null, List.of("a", "b"))));
        assertEquals("predictions[0]: 3 probabilities but the policy names 2 labels", e.getMessage());
    }

    @Test
    void hugeAnswersAreRefusedAndNeverEchoed() {
        String huge = "{\"predictions\": [\"" + "x".repeat(Answers.MAX_BODY_CHARS) + "\"]}";
        var e = assertThrows(ReplayException.Malformed.class, () -> protocol.predictions(huge, RESNET));
        assertEquals("tfserving answer is 16 MiB, more than the 16 MiB an answer may be", e.getMessage());
        // under the cap, a long value is shown cut to about 60 characters
        String longValue = "{\"predictions\": [[0.5, \"" + "y".repeat(100_000) + "\"]]}";
        var cut = assertThrows(ReplayException.Malformed.class, () -> protocol.predictions(longValue, RESNET));
        assertTrue(cut.getMessage().length() < 120 && cut.getMessage().endsWith("..."), cut.getMessage());
        // a big nested answer is not serialised whole for a message either
        String wide = "{\"predictions\": [[0.5, [" + "1,".repeat(500_000) + "1]]]}";
        var w = assertThrows(ReplayException.Malformed.class, () -> protocol.predictions(wide, RESNET));
        assertTrue(w.getMessage().length() < 160, w.getMessage());
    }

    @Test
    void deeplyNestedAnswersAreMalformedNotAStackOverflow() {
        String deep = "{\"predictions\": " + "[".repeat(5000) + "]".repeat(5000) + "}";
        var e = assertThrows(ReplayException.Malformed.class, () -> protocol.predictions(deep, RESNET));
        assertTrue(e.getMessage().startsWith("tfserving answer is not JSON"), e.getMessage());
    }
}
