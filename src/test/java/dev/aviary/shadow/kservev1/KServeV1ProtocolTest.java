package dev.aviary.shadow.kservev1;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aviary.shadow.Payload;
import dev.aviary.shadow.Prediction;
import dev.aviary.shadow.PredictionProtocol.HttpCall;
import dev.aviary.shadow.ProtocolSpec;
import dev.aviary.shadow.ReplayException;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * KServe's V1 protocol. Sources: the V1 protocol page (kserve/website {@code docs/modelserving/data_plane/v1_protocol.md},
 * https://kserve.github.io/website/docs/concepts/architecture/data-plane/v1-protocol: Predict is
 * {@code POST /v1/models/<model_name>:predict} with {@code {"instances": []}} or {@code {"inputs": []}}, answered by
 * {@code {"predictions": []}}), and its first-InferenceService tutorial (kserve/website
 * {@code docs/get_started/first_isvc.md}: sklearn-iris, {@code iris-input.json}, "two predictions returned (i.e.
 * {"predictions": [1, 1]})", index 1 being Iris Versicolour).
 */
class KServeV1ProtocolTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final URI BASE = URI.create("http://sklearn-iris-predictor.kserve-test.svc.cluster.local");
    private static final List<String> IRIS = List.of("Iris Setosa", "Iris Versicolour", "Iris Virginica");
    private static final String IRIS_INPUT = "{\"instances\": [[6.8,  2.8,  4.8,  1.4], [6.0,  3.4,  4.5,  1.6]]}";

    private final KServeV1Protocol protocol = new KServeV1Protocol();

    private static ProtocolSpec spec(List<String> labels) {
        return new ProtocolSpec("kserve-v1", "sklearn-iris", null, null, null, labels);
    }

    private static Payload payload(String json) throws Exception {
        return new Payload("iris-input.json:1", JSON.readTree(json));
    }

    @Test
    void theTutorialsIrisInputIsSentAsItIs() throws Exception {
        HttpCall call = protocol.request(BASE, payload(IRIS_INPUT), spec(List.of()));
        assertEquals("kserve-v1", protocol.name());
        assertEquals(URI.create("http://sklearn-iris-predictor.kserve-test.svc.cluster.local/v1/models/sklearn-iris:predict"), call.uri());
        assertEquals(JSON.readTree(IRIS_INPUT), JSON.readTree(call.body()));
    }

    @Test
    void anInputsBodyIsSentAsItIs() throws Exception {
        String inputs = "{\"inputs\": [[6.8, 2.8, 4.8, 1.4]]}";
        assertEquals(JSON.readTree(inputs), JSON.readTree(protocol.request(BASE, payload(inputs), spec(List.of())).body()));
    }

    @Test
    void oneIrisRowIsWrappedAsOneInstance() throws Exception {
        HttpCall call = protocol.request(BASE, payload("[6.8, 2.8, 4.8, 1.4]"), spec(List.of()));
        assertEquals(JSON.readTree("{\"instances\": [[6.8, 2.8, 4.8, 1.4]]}"), JSON.readTree(call.body()));
        // a row of named features (the fraud tutorial's columns) is one instance too
        String row = "{\"TransactionAmt\": 59.0, \"ProductCD\": \"W\", \"card4\": \"visa\"}";
        assertEquals(JSON.readTree("{\"instances\": [" + row + "]}"), JSON.readTree(protocol.request(BASE, payload(row), spec(List.of())).body()));
    }

    @Test
    void theTutorialsClassIndexesBecomeLabelsWithThePolicysLabels() throws Exception {
        List<Prediction> p = protocol.predictions("{\"predictions\": [1, 1]}", spec(IRIS));
        assertEquals(2, p.size());
        assertEquals(List.of("Iris Versicolour"), p.get(0).labels());
        assertEquals(List.of("Iris Versicolour"), p.get(1).labels());
        // without labels the same answer is two numbers
        List<Prediction> bare = protocol.predictions("{\"predictions\": [1, 1]}", spec(List.of()));
        assertTrue(bare.get(0).isNumeric());
        assertArrayEquals(new double[] {1}, bare.get(1).scores());
    }

    @Test
    void predictProbaAnswers() throws Exception {
        List<Prediction> p = protocol.predictions("{\"predictions\": [[0.01, 0.87, 0.12], [0.0, 0.2, 0.8]]}", spec(IRIS));
        assertEquals(IRIS, p.get(1).labels());
        assertArrayEquals(new double[] {0.0, 0.2, 0.8}, p.get(1).scores());
    }

    @Test
    void labelAnswersAndTopK() throws Exception {
        assertEquals(List.of("Iris Virginica"), protocol.predictions("{\"predictions\": [\"Iris Virginica\"]}", spec(List.of())).get(0).labels());
        Prediction topk = protocol.predictions("{\"predictions\": [{\"labels\": [\"b\", \"a\"], \"probabilities\": [0.6, 0.4]}]}", spec(List.of())).get(0);
        assertEquals(List.of("b", "a"), topk.labels());
    }

    @Test
    void aClassIndexOutsideThePolicysLabelsIsMalformed() {
        var e = assertThrows(ReplayException.Malformed.class, () -> protocol.predictions("{\"predictions\": [1, 3]}", spec(IRIS)));
        assertEquals("predictions[1]: class index 3 is outside the policy's 3 labels", e.getMessage());
        var neg = assertThrows(ReplayException.Malformed.class, () -> protocol.predictions("{\"predictions\": [-1]}", spec(IRIS)));
        assertTrue(neg.getMessage().contains("class index -1"), neg.getMessage());
    }

    @Test
    void columnarOutputsAreNotAKServeAnswer() {
        var e = assertThrows(ReplayException.Malformed.class, () -> protocol.predictions("{\"outputs\": [[0.1, 0.9]]}", spec(List.of())));
        assertEquals("kserve-v1 answer has no \"predictions\"; found outputs", e.getMessage());
    }

    @Test
    void anErrorBodyOrAnExplanationAloneIsMalformed() {
        var err = assertThrows(ReplayException.Malformed.class, () -> protocol.predictions("{\"error\": \"Model with name x does not exist.\"}", spec(List.of())));
        assertEquals("kserve-v1 answer has no \"predictions\"; found error", err.getMessage());
        var nul = assertThrows(ReplayException.Malformed.class, () -> protocol.predictions("{\"predictions\": null}", spec(List.of())));
        assertTrue(nul.getMessage().contains("no \"predictions\""), nul.getMessage());
    }

    @Test
    void aMissingModelIsABadPayload() throws Exception {
        var e = assertThrows(ReplayException.BadPayload.class,
                () -> protocol.request(BASE, payload(IRIS_INPUT), new ProtocolSpec("kserve-v1", null, null, null, null, List.of())));
        assertEquals("kserve-v1 needs the model name: add model: <name> to the replay source", e.getMessage());
    }
}
