package dev.aviary.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The editor schema and the validator must know the same fields, or editors would lie to ML leads. */
class SchemaAgreementTest {

    static JsonNode schema;

    @BeforeAll
    static void readSchema() throws IOException {
        schema = new ObjectMapper().readTree(Files.readString(Path.of("policies/schema/canary-policy.schema.json")));
    }

    private static List<String> fields(String pointer) {
        JsonNode props = schema.at(pointer + "/properties");
        assertTrue(props.isObject(), "no properties at " + pointer);
        assertTrue(schema.at(pointer + "/additionalProperties").isBoolean()
                && !schema.at(pointer + "/additionalProperties").asBoolean(), pointer + " must forbid unknown fields");
        List<String> names = new ArrayList<>();
        props.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void everyLevelListsTheValidatorsFields() {
        assertEquals(PolicyFields.TOP, fields(""));
        assertEquals(PolicyFields.METADATA, fields("/properties/metadata"));
        assertEquals(PolicyFields.SPEC, fields("/properties/spec"));
        assertEquals(PolicyFields.NO_DATA, fields("/properties/spec/properties/noData"));
        assertEquals(PolicyFields.TARGET, fields("/$defs/target"));
        assertEquals(PolicyFields.ISTIO, fields("/$defs/target/properties/istio"));
        assertEquals(PolicyFields.KSERVE, fields("/$defs/target/properties/kserve"));
        assertEquals(PolicyFields.ARM, fields("/$defs/arm"));
        assertEquals(PolicyFields.STEP, fields("/$defs/step"));
        assertEquals(PolicyFields.HEADER_ROUTE, fields("/$defs/step/properties/headerRoute"));
        assertEquals(PolicyFields.CHECK, fields("/$defs/check"));
        assertEquals(PolicyFields.NOTIFY, fields("/$defs/notify"));
        assertEquals(PolicyFields.SLACK, fields("/$defs/notify/properties/slack"));
        assertEquals(PolicyFields.WEBHOOK, fields("/$defs/notify/properties/webhook"));
    }

    @Test
    void enumsAndDefaultsMatchTheValidator() {
        List<String> presets = new ArrayList<>();
        schema.at("/$defs/check/properties/preset/enum").forEach(n -> presets.add(n.asText()));
        assertEquals(Arrays.stream(CheckSpec.Preset.values()).map(CheckSpec.Preset::yamlName).toList(), presets);
        assertEquals(PolicyFields.API_VERSION, schema.at("/properties/apiVersion/const").asText());
        assertEquals(PolicyFields.KIND, schema.at("/properties/kind/const").asText());
        JsonNode spec = schema.at("/properties/spec/properties");
        assertEquals(PolicyValidator.DEFAULT_INTERVAL, Durations.parse(spec.at("/interval/default").asText()));
        assertEquals(PolicyValidator.DEFAULT_MAX_STEP_DURATION, Durations.parse(spec.at("/maxStepDuration/default").asText()));
        assertEquals(PolicyValidator.DEFAULT_ALPHA, spec.at("/alpha/default").asDouble());
        assertEquals(PolicyValidator.DEFAULT_MIN_REQUESTS, spec.at("/minRequests/default").asLong());
        assertEquals(PolicyValidator.DEFAULT_NO_DATA.tolerate(), Durations.parse(spec.at("/noData/properties/tolerate/default").asText()));
    }

    @Test
    void exampleCarriesTheSchemaModeline() throws IOException {
        String first = Files.readAllLines(ExamplePolicyTest.EXAMPLE).get(0);
        assertEquals("# yaml-language-server: $schema=./schema/canary-policy.schema.json", first);
        assertTrue(Files.exists(ExamplePolicyTest.EXAMPLE.resolveSibling("schema/canary-policy.schema.json")));
    }
}
