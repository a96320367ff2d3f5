package dev.aviary.shadow;

import dev.aviary.shadow.json.JsonProtocol;
import dev.aviary.shadow.kservev1.KServeV1Protocol;
import dev.aviary.shadow.tfserving.TfServingProtocol;
import dev.aviary.shadow.v2.OpenInferenceProtocol;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProtocolsTest {

    private static ProtocolSpec spec(String protocol, String model, String path, String prediction, String output) {
        return new ProtocolSpec(protocol, model, path, prediction, output, List.of());
    }

    @Test
    void everyProtocolByItsPolicyName() {
        assertEquals(List.of("tfserving", "kserve-v1", "v2", "json"), Protocols.names());
        assertInstanceOf(TfServingProtocol.class, Protocols.of("tfserving").orElseThrow());
        assertInstanceOf(KServeV1Protocol.class, Protocols.of("kserve-v1").orElseThrow());
        assertInstanceOf(OpenInferenceProtocol.class, Protocols.of("v2").orElseThrow());
        assertInstanceOf(JsonProtocol.class, Protocols.of("json").orElseThrow());
        for (String name : Protocols.names()) assertEquals(name, Protocols.of(name).orElseThrow().name());
        assertTrue(Protocols.of("grpc").isEmpty());
        assertTrue(Protocols.of(null).isEmpty());
    }

    @Test
    void completeSpecsHaveNoProblems() {
        assertEquals(List.of(), Protocols.problems(spec("tfserving", "image_classifier", null, "/probabilities", null)));
        assertEquals(List.of(), Protocols.problems(spec("v2", "fraud", null, null, "predict_proba")));
        assertEquals(List.of(), Protocols.problems(spec("json", null, "/is_fraud", "/is_fraud_prob", null)));
    }

    @Test
    void incompleteSpecsSayWhatToWrite() {
        assertEquals(List.of("protocol \"grpc\" is unknown; use one of tfserving, kserve-v1, v2, json"),
                Protocols.problems(spec("grpc", "m", null, null, null)));
        assertEquals(List.of("kserve-v1 needs model: <the model's name on the server>"), Protocols.problems(spec("kserve-v1", null, null, null, null)));
        assertEquals(List.of("json needs path: <the request path, e.g. /classify>"), Protocols.problems(spec("json", null, " ", "/p", null)));
        assertEquals(List.of("prediction \"score\" is not a JSON Pointer; write it like /prediction or /outputs/0"),
                Protocols.problems(spec("json", null, "/p", "score", null)));
        assertEquals(List.of("output is for protocol v2 only; use prediction: /<pointer>"), Protocols.problems(spec("tfserving", "m", null, null, "y")));
        assertEquals(List.of("prediction is not for protocol v2; name the output tensor with output: <name>"),
                Protocols.problems(spec("v2", "m", null, "/y", null)));
        assertEquals(List.of("path is for protocol json only; v2 has its own path"), Protocols.problems(spec("v2", "m", "/infer", null, null)));
    }
}
