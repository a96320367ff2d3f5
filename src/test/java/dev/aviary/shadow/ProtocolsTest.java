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
}
