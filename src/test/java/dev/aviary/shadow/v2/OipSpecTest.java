package dev.aviary.shadow.v2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.InputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conformance oracle itself: it accepts the spec's own examples where they are valid and really rejects wrong
 * bodies, so a V2 test that passes through it means something.
 */
class OipSpecTest {

    private static final OipSpec SPEC = OipSpec.load();

    /** The spec's own examples, read from the YAML's {@code x-examples}, not copied by hand. */
    private static JsonNode example(String schema, String name) throws Exception {
        try (InputStream in = OipSpecTest.class.getResourceAsStream("/oip/open_inference_rest.yaml")) {
            return new ObjectMapper(new YAMLFactory()).readTree(in)
                    .path("components").path("schemas").path(schema).path("x-examples").path(name);
        }
    }

    @Test
    void theSpecsRequestExamplePassesTheSchemaButNotTheProseShapeRule() throws Exception {
        String example1 = example("inference_request", "Example 1").toString();
        assertTrue(example1.contains("input0"), example1);
        assertEquals(List.of(), SPEC.schemaViolations(OipSpec.Body.REQUEST, example1));
        // its input1 declares shape [3] but carries one element: the prose says shape and data must agree
        List<String> v = SPEC.violations(OipSpec.Body.REQUEST, example1);
        assertEquals(1, v.size(), v.toString());
        assertTrue(v.get(0).contains("inputs[1]") && v.get(0).contains("3 elements but data has 1"), v.toString());
    }

    @Test
    void aBodyWithoutInputsIsNoRequest() throws Exception {
        // the YAML's "Example 2" of inference_request carries outputs with data and no inputs: the schema's
        // required "inputs" rejects it, as it would any request that forgot its tensors
        String example2 = example("inference_request", "Example 2").toString();
        List<String> v = SPEC.schemaViolations(OipSpec.Body.REQUEST, example2);
        assertFalse(v.isEmpty());
        assertTrue(v.toString().contains("inputs"), v.toString());
    }

    @Test
    void theProseResponseExampleNeedsTheModelNameTheSchemaRequires() {
        // inference_rest.md, "Inference Request Examples": its response has no model_name, which the YAML requires
        String prose = """
                {"id": "42", "outputs": [{"name": "output0", "shape": [3, 2], "datatype": "FP32",
                 "data": [1.0, 1.1, 2.0, 2.1, 3.0, 3.1]}]}""";
        List<String> v = SPEC.violations(OipSpec.Body.RESPONSE, prose);
        assertTrue(v.toString().contains("model_name"), v.toString());
        String named = prose.replace("{\"id\"", "{\"model_name\": \"mymodel\", \"id\"");
        assertEquals(List.of(), SPEC.violations(OipSpec.Body.RESPONSE, named));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            inputs not an array        | {"inputs": {"name": "x"}}                                                     | inputs
            input without datatype     | {"inputs": [{"name": "x", "shape": [1], "data": [1]}]}                        | datatype
            input without data         | {"inputs": [{"name": "x", "shape": [1], "datatype": "FP32"}]}                 | data
            shape of strings           | {"inputs": [{"name": "x", "shape": ["1"], "datatype": "FP32", "data": [1]}]}  | shape
            data holding an object     | {"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": [{"a": 1}]}]} | data
            name not a string          | {"inputs": [{"name": 7, "shape": [1], "datatype": "FP32", "data": [1]}]}      | name
            parameters not an object   | {"parameters": [1], "inputs": []}                                             | parameters
            unknown datatype           | {"inputs": [{"name": "x", "shape": [1], "datatype": "FLOAT", "data": [1]}]}   | FLOAT
            data longer than shape     | {"inputs": [{"name": "x", "shape": [1], "datatype": "FP64", "data": [1, 2]}]} | 1 elements but data has 2
            strings in an INT64 tensor | {"inputs": [{"name": "x", "shape": [1], "datatype": "INT64", "data": ["1"]}]} | INT64
            fraction in an INT64       | {"inputs": [{"name": "x", "shape": [1], "datatype": "INT64", "data": [1.5]}]} | INT64
            number in a BYTES tensor   | {"inputs": [{"name": "x", "shape": [1], "datatype": "BYTES", "data": [1]}]}   | BYTES
            """)
    void wrongRequestsAreRejected(String what, String body, String mentioned) {
        List<String> v = SPEC.violations(OipSpec.Body.REQUEST, body);
        assertFalse(v.isEmpty(), what + " passed");
        assertTrue(v.toString().contains(mentioned), what + ": " + v);
        assertThrows(AssertionError.class, () -> SPEC.assertValid(OipSpec.Body.REQUEST, body));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no outputs                 | {"model_name": "m"}                                                                        | outputs
            output without shape       | {"model_name": "m", "outputs": [{"name": "y", "datatype": "FP32", "data": [1]}]}           | shape
            model_name not a string    | {"model_name": 3, "outputs": []}                                                           | model_name
            data a string              | {"model_name": "m", "outputs": [{"name": "y", "shape": [1], "datatype": "FP32", "data": "1"}]} | data
            shape and data disagree    | {"model_name": "m", "outputs": [{"name": "y", "shape": [2, 3], "datatype": "FP32", "data": [1, 2]}]} | 6 elements but data has 2
            """)
    void wrongResponsesAreRejected(String what, String body, String mentioned) {
        List<String> v = SPEC.violations(OipSpec.Body.RESPONSE, body);
        assertFalse(v.isEmpty(), what + " passed");
        assertTrue(v.toString().contains(mentioned), what + ": " + v);
    }

    @Test
    void nestedDataInItsNaturalShapeIsTensorData() {
        // inference_rest.md, "Tensor Data": [[1, 2], [4, 5]] and [1, 2, 4, 5] are the same 2x2 tensor
        String nested = "{\"model_name\": \"m\", \"outputs\": [{\"name\": \"y\", \"shape\": [2, 2], \"datatype\": \"INT32\", \"data\": [[1, 2], [4, 5]]}]}";
        assertEquals(List.of(), SPEC.violations(OipSpec.Body.RESPONSE, nested));
    }

    @Test
    void errorResponses() {
        assertEquals(List.of(), SPEC.violations(OipSpec.Body.ERROR, "{\"error\": \"model not found\"}"));
        assertFalse(SPEC.violations(OipSpec.Body.ERROR, "{\"error\": 42}").isEmpty());
        // the YAML does not require "error"; the prose object is nothing but it
        assertEquals(List.of(), SPEC.schemaViolations(OipSpec.Body.ERROR, "{\"message\": \"no\"}"));
        assertFalse(SPEC.violations(OipSpec.Body.ERROR, "{\"message\": \"no\"}").isEmpty());
        assertFalse(SPEC.violations(OipSpec.Body.ERROR, "not json").isEmpty());
    }
}
