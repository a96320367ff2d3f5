package dev.aviary.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shipped CRD agrees with the Java model: every printer column finds its value in a real object. */
class CanaryRolloutCrdTest {

    @Test
    void printerColumnsPointAtFieldsTheModelWrites() throws Exception {
        JsonNode crd = new ObjectMapper(new YAMLFactory()).readTree(Path.of("k8s/canaryrollout.crd.yaml").toFile());
        assertEquals("canaryrollouts.aviary.dev", crd.path("metadata").path("name").asText());
        assertEquals("CanaryRollout", crd.path("spec").path("names").path("kind").asText());
        JsonNode version = crd.path("spec").path("versions").get(0);
        assertEquals("v1", version.path("name").asText());

        CanaryRollout cr = new CanaryRollout();
        cr.setMetadata(new ObjectMetaBuilder().withName("image-classifier").withNamespace("default")
                .withCreationTimestamp("2026-11-22T10:00:00Z").build());
        cr.setSpec(new RolloutSpec("image-classifier", "policies/image-classifier.yaml", "VirtualService/image-classifier"));
        cr.setStatus(new RolloutStatus(Phase.Progressing, 1, "2026-11-22T10:05:00Z", "abc", "hash", null, null, null, 0,
                Weights.of(new dev.aviary.traffic.TrafficSplit(30, null, 0)), 30, Decision.ADVANCE, "step 1 passed",
                new TickError("IndexOutOfBoundsException: Index -1 out of bounds for length 1", 2, "2026-11-22T10:06:00Z"), null,
                Map.of(), List.of(), List.of(), null));
        JsonNode object = new ObjectMapper().readTree(new KubernetesSerialization().asJson(cr));
        assertEquals("aviary.dev/v1", object.path("apiVersion").asText());

        int columns = 0;
        for (JsonNode column : version.path("additionalPrinterColumns")) {
            String path = column.path("jsonPath").asText();
            JsonNode value = value(object, path);
            assertTrue(!value.isMissingNode() && !value.isNull(), "printer column " + column.path("name").asText() + " (" + path + ") is empty");
            columns++;
        }
        assertTrue(columns >= 5, "target, phase, step, weight and decision at least");
        JsonNode stepColumn = column(version, "Step");
        assertEquals(2, value(object, stepColumn.path("jsonPath").asText()).asInt(), "the Step column counts from 1: index 1 is step 2");
        assertEquals(cr.getStatus(), new KubernetesSerialization().unmarshal(new KubernetesSerialization().asJson(cr), CanaryRollout.class).getStatus(),
                "the status reads back as written, the derived step number aside");
        // the schema keeps what the model writes beyond its declared fields (verdict evidence, judge memory)
        JsonNode status = version.path("schema").path("openAPIV3Schema").path("properties").path("status");
        assertTrue(status.path("x-kubernetes-preserve-unknown-fields").asBoolean());
        java.util.Set<Phase> declared = java.util.EnumSet.noneOf(Phase.class);
        for (JsonNode phase : status.path("properties").path("phase").path("enum")) declared.add(Phase.valueOf(phase.asText()));
        assertEquals(java.util.EnumSet.allOf(Phase.class), declared, "the CRD accepts every phase Aviary writes");
        assertSchemaMatches(RolloutStatus.class, status);
        assertTrue(status.path("properties").has("error"), "the failure count is schema'd");
    }

    @Test
    void historyCountsStepsFromOneAndReadsEntriesWrittenBefore() throws Exception {
        List<HistoryEntry> history = RolloutRecorder.appendHistory(List.of(), java.time.Instant.parse("2026-11-22T10:05:00Z"),
                Decision.ADVANCE, 1, 30, "step 1 passed (4 checks pass): step 2 (weight 30%)");
        assertEquals(2, history.get(0).stepNumber(), "index 1 is step 2, as the message says");
        KubernetesSerialization json = new KubernetesSerialization();
        JsonNode written = new ObjectMapper().readTree(json.asJson(history.get(0)));
        assertEquals(2, written.path("stepNumber").asInt());
        assertTrue(written.path("step").isMissingNode(), "one numbering in history[]: " + written);
        assertEquals(history.get(0), json.unmarshal(written.toString(), HistoryEntry.class));
        // an entry an earlier version wrote (0-based "step") reads as the same step
        HistoryEntry legacy = json.unmarshal("{\"at\":\"2026-11-22T10:05:00Z\",\"decision\":\"ADVANCE\",\"step\":1,"
                + "\"canaryWeight\":30,\"message\":\"m\"}", HistoryEntry.class);
        assertEquals(2, legacy.stepNumber());
    }

    private static JsonNode column(JsonNode version, String name) {
        for (JsonNode column : version.path("additionalPrinterColumns")) if (column.path("name").asText().equals(name)) return column;
        throw new AssertionError("no printer column " + name);
    }

    private static JsonNode value(JsonNode object, String jsonPath) {
        JsonNode value = object;
        for (String part : jsonPath.substring(1).split("\\.")) value = value.path(part);
        return value;
    }

    /** Every property the schema declares is a field of the record (or a property it derives), with a type that holds it. */
    private static void assertSchemaMatches(Class<?> record, JsonNode schema) {
        Map<String, Class<?>> fields = new java.util.HashMap<>();
        for (RecordComponent c : record.getRecordComponents()) fields.put(c.getName(), c.getType());
        for (java.lang.reflect.Method m : record.getMethods()) {
            com.fasterxml.jackson.annotation.JsonProperty derived = m.getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
            if (derived != null && m.getParameterCount() == 0) fields.put(derived.value(), m.getReturnType());
        }
        schema.path("properties").fields().forEachRemaining(p -> {
            Class<?> type = fields.get(p.getKey());
            assertNotNull(type, record.getSimpleName() + " has no field " + p.getKey() + " that the CRD declares");
            String declared = p.getValue().path("type").asText();
            String expected = type == int.class || type == Integer.class ? "integer"
                    : type == String.class || type.isEnum() ? "string"
                    : type.isRecord() ? "object" : declared;
            assertEquals(expected, declared, record.getSimpleName() + "." + p.getKey());
            if (type.isRecord()) assertSchemaMatches(type, p.getValue());
        });
    }
}
