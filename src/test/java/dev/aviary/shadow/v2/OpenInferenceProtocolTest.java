package dev.aviary.shadow.v2;

import com.fasterxml.jackson.databind.JsonNode;
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
 * The Open Inference Protocol client. Every request it builds here and every answer it accepts here is checked
 * against the official spec ({@link OipSpec}); fixtures follow inference_rest.md's examples.
 */
class OpenInferenceProtocolTest {

    private static final OipSpec SPEC = OipSpec.load();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final URI BASE = URI.create("http://fraud-predictor.default.svc.cluster.local:8080");
    private static final ProtocolSpec FRAUD = spec(null, List.of());

    private final OpenInferenceProtocol protocol = new OpenInferenceProtocol();

    private static ProtocolSpec spec(String output, List<String> labels) {
        return new ProtocolSpec("v2", "fraud", null, null, output, labels);
    }

    /** The request for {@code payload}, checked against the spec. */
    private JsonNode request(String payload) throws Exception {
        HttpCall call = protocol.request(BASE, new Payload("golden.jsonl:3", JSON.readTree(payload)), FRAUD);
        assertEquals(URI.create("http://fraud-predictor.default.svc.cluster.local:8080/v2/models/fraud/infer"), call.uri());
        SPEC.assertValid(OipSpec.Body.REQUEST, call.body());
        return JSON.readTree(call.body());
    }

    /** The predictions in {@code answer}, which the test means as a valid answer: checked against the spec first. */
    private List<Prediction> accept(String answer, ProtocolSpec spec) throws Exception {
        SPEC.assertValid(OipSpec.Body.RESPONSE, answer);
        return protocol.predictions(answer, spec);
    }

    @Test
    void aRowOfNamedFeaturesBecomesOneTypedInputPerFeature() throws Exception {
        // the KServe fraud tutorial's columns; datatypes as MLServer's pandas codec gives them
        JsonNode r = request("{\"TransactionAmt\": 59.95, \"ProductCD\": \"W\", \"card4\": \"visa\", \"P_emaildomain\": \"gmail.com\","
                + " \"R_emaildomain\": \"gmail.com\", \"M1\": true, \"M2\": false, \"M3\": true, \"dist1\": 19}");
        JsonNode inputs = r.get("inputs");
        assertEquals(9, inputs.size());
        assertEquals(JSON.readTree("{\"name\": \"TransactionAmt\", \"shape\": [1], \"datatype\": \"FP64\", \"data\": [59.95]}"), inputs.get(0));
        assertEquals(JSON.readTree("{\"name\": \"ProductCD\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"W\"]}"), inputs.get(1));
        assertEquals(JSON.readTree("{\"name\": \"M1\", \"shape\": [1], \"datatype\": \"BOOL\", \"data\": [true]}"), inputs.get(5));
        assertEquals(JSON.readTree("{\"name\": \"dist1\", \"shape\": [1], \"datatype\": \"INT64\", \"data\": [19]}"), inputs.get(8));
    }

    @Test
    void anArrayRowBecomesOneInputOfShapeOneByN() throws Exception {
        assertEquals(JSON.readTree("{\"inputs\": [{\"name\": \"input-0\", \"shape\": [1, 4], \"datatype\": \"FP64\", \"data\": [6.8, 2.8, 4.8, 1.4]}]}"),
                request("[6.8, 2.8, 4.8, 1.4]"));
        assertEquals("INT64", request("[1, 2, 3]").at("/inputs/0/datatype").asText());
        assertEquals("FP64", request("[1, 2.5, 3]").at("/inputs/0/datatype").asText(), "integers and fractions together are FP64");
        assertEquals("BYTES", request("[\"a\", \"b\"]").at("/inputs/0/datatype").asText());
    }

    @Test
    void aNestedArrayRowKeepsItsShapeWithDataRowMajor() throws Exception {
        JsonNode r = request("[[1, 2, 3], [4, 5, 6]]");
        assertEquals(JSON.readTree("[1, 2, 3]"), r.at("/inputs/0/shape"));
        assertEquals(JSON.readTree("[1, 2, 3, 4, 5, 6]"), r.at("/inputs/0/data"));
    }

    @Test
    void aScalarPayloadIsOneElement() throws Exception {
        assertEquals(JSON.readTree("{\"inputs\": [{\"name\": \"input-0\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"hello\"]}]}"),
                request("\"hello\""));
    }

    @Test
    void anInferenceRequestIsSentAsItIs() throws Exception {
        // inference_rest.md's request example, with input1's shape made to match its one element
        String stored = "{\"id\": \"42\", \"inputs\": [{\"name\": \"input0\", \"shape\": [2, 2], \"datatype\": \"UINT32\", \"data\": [1, 2, 3, 4]},"
                + " {\"name\": \"input1\", \"shape\": [1], \"datatype\": \"BOOL\", \"data\": [true]}], \"outputs\": [{\"name\": \"output0\"}]}";
        assertEquals(JSON.readTree(stored), request(stored));
    }

    @Test
    void theModelNameIsEscaped() throws Exception {
        HttpCall call = protocol.request(URI.create("http://h:8080/"), new Payload("p:1", JSON.readTree("[1]")),
                new ProtocolSpec("v2", "fraud/v2 model", null, null, null, List.of()));
        assertEquals("http://h:8080/v2/models/fraud%2Fv2%20model/infer", call.uri().toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a null feature            | {"TransactionAmt": null}          | feature "TransactionAmt" is null
            an array feature          | {"card": [1, 2]}                  | feature "card" is [1,2]
            an object feature         | {"card": {"type": "visa"}}        | feature "card" is {"type":"visa"}
            an empty row              | {}                                | empty object
            strings and numbers mixed | [1, "a"]                          | mixes INT64 and BYTES
            a ragged array            | [[1, 2], [3]]                     | differ in length (2 and 1)
            arrays and values mixed   | [[1, 2], 3]                       | mixes arrays and values
            an empty array            | []                                | empty array
            a null                    | null                              | the payload is null
            a TF Serving body         | {"instances": [[1, 2]]}           | replay it with protocol: tfserving or kserve-v1
            """)
    void payloadsThatAreNoTensorAreBadPayloads(String what, String payload, String message) throws Exception {
        var e = assertThrows(ReplayException.BadPayload.class,
                () -> protocol.request(BASE, new Payload("golden.jsonl:3", JSON.readTree(payload)), FRAUD), what);
        assertTrue(e.getMessage().startsWith("golden.jsonl:3: ") && e.getMessage().contains(message), what + ": " + e.getMessage());
    }

    @Test
    void theSpecsResponseExampleIsThreeInstancesOfTwoProbabilities() throws Exception {
        // inference_rest.md: output0, shape [3, 2], FP32, data [1.0, 1.1, 2.0, 2.1, 3.0, 3.1] (with the model_name
        // the YAML requires)
        List<Prediction> p = accept("{\"model_name\": \"mymodel\", \"id\": \"42\", \"outputs\": [{\"name\": \"output0\", \"shape\": [3, 2],"
                + " \"datatype\": \"FP32\", \"data\": [1.0, 1.1, 2.0, 2.1, 3.0, 3.1]}]}", FRAUD);
        assertEquals(3, p.size());
        assertEquals(List.of("0", "1"), p.get(2).labels());
        assertArrayEquals(new double[] {3.0, 3.1}, p.get(2).scores());
    }

    @Test
    void nestedDataIsReadRowMajor() throws Exception {
        List<Prediction> p = accept("{\"model_name\": \"m\", \"outputs\": [{\"name\": \"proba\", \"shape\": [2, 2], \"datatype\": \"FP64\","
                + " \"data\": [[0.9, 0.1], [0.3, 0.7]]}]}", spec(null, List.of("legit", "fraud")));
        assertEquals(List.of("legit", "fraud"), p.get(1).labels());
        assertArrayEquals(new double[] {0.3, 0.7}, p.get(1).scores());
    }

    @Test
    void anIntegerPredictionIsAClassIndexWithLabelsAndANumberWithout() throws Exception {
        // MLServer's sklearn runtime answers predict() as one INT64 per instance
        String answer = "{\"model_name\": \"fraud\", \"outputs\": [{\"name\": \"predict\", \"shape\": [2, 1], \"datatype\": \"INT64\", \"data\": [0, 1]}]}";
        assertEquals(List.of("fraud"), accept(answer, spec(null, List.of("legit", "fraud"))).get(1).labels());
        assertArrayEquals(new double[] {1}, accept(answer, FRAUD).get(1).scores());
    }

    @Test
    void aFloatWrittenWithoutAFractionStaysAScore() throws Exception {
        String answer = "{\"model_name\": \"fraud\", \"outputs\": [{\"name\": \"score\", \"shape\": [1], \"datatype\": \"FP32\", \"data\": [1]}]}";
        Prediction p = accept(answer, spec(null, List.of("legit", "fraud"))).get(0);
        assertTrue(p.isNumeric(), "an FP32 1 is a score of 1.0, not class 1");
    }

    @Test
    void bytesAndBoolOutputsAreLabels() throws Exception {
        List<Prediction> p = accept("{\"model_name\": \"m\", \"outputs\": [{\"name\": \"label\", \"shape\": [2], \"datatype\": \"BYTES\","
                + " \"data\": [\"fraud\", \"legit\"]}]}", FRAUD);
        assertEquals(List.of("legit"), p.get(1).labels());
        Prediction b = accept("{\"model_name\": \"m\", \"outputs\": [{\"name\": \"is_fraud\", \"shape\": [1], \"datatype\": \"BOOL\", \"data\": [true]}]}", FRAUD).get(0);
        assertEquals(List.of("true"), b.labels());
    }

    @Test
    void aTopKAnswerAsTwoOutputsPairsLabelsWithProbabilities() throws Exception {
        String answer = "{\"model_name\": \"resnet\", \"outputs\": ["
                + "{\"name\": \"probabilities\", \"shape\": [2, 3], \"datatype\": \"FP32\", \"data\": [0.45, 0.21, 0.19, 0.94, 0.02, 0.01]},"
                + "{\"name\": \"labels\", \"shape\": [2, 3], \"datatype\": \"BYTES\", \"data\": [\"military uniform\", \"bow tie\", \"suit\","
                + " \"military uniform\", \"suit\", \"bow tie\"]}]}";
        for (String output : new String[] {null, "labels", "probabilities"}) {
            List<Prediction> p = accept(answer, spec(output, List.of()));
            assertEquals(List.of("military uniform", "suit", "bow tie"), p.get(1).labels(), "output " + output);
            assertArrayEquals(new double[] {0.94, 0.02, 0.01}, p.get(1).scores(), "output " + output);
        }
    }

    @Test
    void theOutputIsPickedByName() throws Exception {
        String answer = "{\"model_name\": \"fraud\", \"outputs\": ["
                + "{\"name\": \"predict\", \"shape\": [1, 1], \"datatype\": \"INT64\", \"data\": [1]},"
                + "{\"name\": \"predict_proba\", \"shape\": [1, 2], \"datatype\": \"FP64\", \"data\": [0.2, 0.8]}]}";
        assertArrayEquals(new double[] {0.2, 0.8}, accept(answer, spec("predict_proba", List.of())).get(0).scores());
        assertArrayEquals(new double[] {1}, accept(answer, FRAUD).get(0).scores(), "the first output when none is named");
        var e = assertThrows(ReplayException.Malformed.class, () -> protocol.predictions(answer, spec("proba", List.of())));
        assertEquals("v2 answer has no output \"proba\"; its outputs are [\"predict\",\"predict_proba\"]", e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not JSON                 | Internal Server Error                                                                             | v2 answer is not JSON
            no outputs               | {"model_name": "m"}                                                                               | v2 answer has no "outputs"; found model_name
            an error in a 200        | {"error": "failed to infer"}                                                                      | found error
            outputs not an array     | {"model_name": "m", "outputs": {"name": "y"}}                                                     | non-empty array of tensors
            no tensors               | {"model_name": "m", "outputs": []}                                                                | non-empty array of tensors
            an output without name   | {"model_name": "m", "outputs": [{"shape": [1], "datatype": "FP32", "data": [1]}]}                 | outputs[0]: no "name"
            an unknown datatype      | {"model_name": "m", "outputs": [{"name": "y", "shape": [1], "datatype": "FLOAT", "data": [1]}]}   | datatype "FLOAT" is not one of
            shape and data disagree  | {"model_name": "m", "outputs": [{"name": "y", "shape": [2, 2], "datatype": "FP32", "data": [1, 2, 3]}]} | shape [2,2] holds 4 elements but data has 3
            a negative size          | {"model_name": "m", "outputs": [{"name": "y", "shape": [-1], "datatype": "FP32", "data": [1]}]}   | holds -1, not a size
            shape of strings         | {"model_name": "m", "outputs": [{"name": "y", "shape": ["1"], "datatype": "FP32", "data": [1]}]}  | holds "1", not a size
            no data                  | {"model_name": "m", "outputs": [{"name": "y", "shape": [1], "datatype": "FP32"}]}                  | expected "data" as an array
            a NaN string             | {"model_name": "m", "outputs": [{"name": "y", "shape": [1], "datatype": "FP32", "data": ["NaN"]}]} | a FP32 tensor holds "NaN"
            a NaN token              | {"model_name": "m", "outputs": [{"name": "y", "shape": [1, 2], "datatype": "FP32", "data": [0.5, NaN]}]} | [0][1]: NaN is not a finite number
            a number in BYTES        | {"model_name": "m", "outputs": [{"name": "y", "shape": [1], "datatype": "BYTES", "data": [3]}]}   | a BYTES tensor holds 3
            an object in data        | {"model_name": "m", "outputs": [{"name": "y", "shape": [1], "datatype": "FP32", "data": [{"v": 1}]}]} | data holds {"v":1}, not a tensor element
            an empty batch           | {"model_name": "m", "outputs": [{"name": "y", "shape": [0, 2], "datatype": "FP32", "data": []}]}  | no values
            """)
    void malformedAnswersSayWhatWasExpected(String what, String body, String message) {
        var e = assertThrows(ReplayException.Malformed.class, () -> protocol.predictions(body, FRAUD), what);
        assertTrue(e.getMessage().contains(message), what + ": " + e.getMessage());
        assertTrue(!e.getMessage().contains("\n") && e.getMessage().length() < 200, e.getMessage());
    }

    @Test
    void aHugeShapeIsNotTrusted() {
        String body = "{\"model_name\": \"m\", \"outputs\": [{\"name\": \"y\", \"shape\": [9223372036854775807, 4], \"datatype\": \"FP32\", \"data\": [1]}]}";
        var e = assertThrows(ReplayException.Malformed.class, () -> protocol.predictions(body, FRAUD));
        assertTrue(e.getMessage().contains("holds too many elements but data has 1"), e.getMessage());
    }
}
