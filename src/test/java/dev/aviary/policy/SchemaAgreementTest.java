package dev.aviary.policy;

import dev.aviary.checks.CheckTypes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

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
        assertEquals(PolicyFields.PAUSE, fields("/$defs/step/properties/pause"));
        assertEquals(PolicyFields.CHECK, fields("/$defs/check"));
        assertEquals(PolicyFields.NOTIFY, fields("/$defs/notify"));
        assertEquals(PolicyFields.SLACK, fields("/$defs/notify/properties/slack"));
        assertEquals(PolicyFields.WEBHOOK, fields("/$defs/notify/properties/webhook"));
    }

    @Test
    void enumsAndDefaultsMatchTheValidator() {
        List<String> presets = new ArrayList<>();
        schema.at("/$defs/check/properties/preset/enum").forEach(n -> presets.add(n.asText()));
        assertEquals(new CheckTypes().presetNames(), presets);
        assertEquals(PolicyFields.API_VERSION, schema.at("/properties/apiVersion/const").asText());
        assertEquals(PolicyFields.KIND, schema.at("/properties/kind/const").asText());
        JsonNode spec = schema.at("/properties/spec/properties");
        assertEquals(PolicyValidator.DEFAULT_INTERVAL, Durations.parse(spec.at("/interval/default").asText()));
        assertEquals(PolicyValidator.DEFAULT_MAX_STEP_DURATION, Durations.parse(spec.at("/maxStepDuration/default").asText()));
        assertEquals(PolicyValidator.DEFAULT_ALPHA, spec.at("/alpha/default").asDouble());
        assertEquals(PolicyValidator.DEFAULT_MIN_REQUESTS, spec.at("/minRequests/default").asLong());
        assertEquals(PolicyValidator.DEFAULT_NO_DATA.tolerate(), Durations.parse(spec.at("/noData/properties/tolerate/default").asText()));
    }

    /** What an editor checks the shipped policies against: it must not mark a policy the validator accepts. */
    @Test
    void theShippedPoliciesPassTheSchema() throws IOException {
        JsonSchema editor = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schema);
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        List<Path> shipped;
        try (var files = Files.walk(Path.of("policies"))) {
            shipped = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(shipped.contains(Path.of("policies/variants/image-classifier-shadow.yaml")), shipped.toString());
        for (Path policy : shipped) {
            Set<ValidationMessage> problems = editor.validate(yaml.readTree(policy.toFile()));
            assertEquals(Set.of(), problems, policy.toString());
        }
    }

    @Test
    void exampleCarriesTheSchemaModeline() throws IOException {
        String first = Files.readAllLines(ExamplePolicyTest.EXAMPLE).get(0);
        assertEquals("# yaml-language-server: $schema=./schema/canary-policy.schema.json", first);
        assertTrue(Files.exists(ExamplePolicyTest.EXAMPLE.resolveSibling("schema/canary-policy.schema.json")));
    }

    /** Each named field uses the definition whose pattern and length are the validator's rule for it. */
    @Test
    void namePatternsAreTheValidatorsRules() {
        Map<String, Names> byField = new LinkedHashMap<>();
        byField.put("/properties/metadata/properties/name", Names.OBJECT);
        byField.put("/properties/metadata/properties/namespace", Names.NAMESPACE);
        byField.put("/$defs/target/properties/istio/properties/virtualService", Names.OBJECT);
        byField.put("/$defs/target/properties/istio/properties/route", Names.ROUTE);
        byField.put("/$defs/target/properties/kserve/properties/inferenceService", Names.INFERENCE_SERVICE);
        byField.put("/$defs/arm/properties/subset", Names.SUBSET);
        byField.put("/$defs/arm/properties/version", Names.LABEL_VALUE);
        byField.put("/$defs/arm/properties/host", Names.HOST);
        byField.put("/$defs/check/properties/name", Names.CHECK);
        byField.put("/$defs/notify/properties/slack/properties/secretRef", Names.OBJECT);
        byField.put("/$defs/notify/properties/webhook/properties/secretRef", Names.OBJECT);
        byField.forEach((pointer, rule) -> {
            JsonNode field = schema.at(pointer);
            JsonNode def = field.has("$ref") ? schema.at(field.get("$ref").asText().substring(1)) : field;
            assertEquals("^" + rule.regex() + "$", def.path("pattern").asText(), pointer);
            assertEquals(rule.maxLength(), def.path("maxLength").asInt(), pointer);
        });
    }

    @Test
    void headerRegexAndUrlLimitsAreTheValidators() {
        JsonNode header = schema.at("/$defs/step/properties/headerRoute/properties/header");
        assertEquals("^" + Names.Patterns.HEADER_TOKEN.pattern() + "$", header.path("pattern").asText());
        assertEquals(Names.Patterns.MAX_HEADER, header.path("maxLength").asInt());
        List<String> ignored = new ArrayList<>();
        header.at("/not/enum").forEach(n -> ignored.add(n.asText()));
        assertEquals(Names.Patterns.IGNORED_HEADERS, Set.copyOf(ignored));
        assertEquals(Re2Syntax.MAX_LENGTH, schema.at("/$defs/step/properties/headerRoute/properties/regex/maxLength").asInt());
        assertEquals(Durations.MAX_LENGTH, schema.at("/$defs/duration/maxLength").asInt());
        assertTrue(schema.at("/$defs/duration/description").asText().contains("at most " + Durations.MAX.toDays() + "d"));

        JsonNode url = schema.at("/$defs/notify/properties/webhook/properties/url");
        assertEquals(WebhookUrls.MAX_LENGTH, url.path("maxLength").asInt());
        Pattern pattern = Pattern.compile(url.path("pattern").asText());
        for (String u : List.of("https://hooks.example.com/aviary", "http://h:8080/x?y=z", "HTTPS://h", "https://",
                "https://a b", "ftp://x", "https://u:p@h/x", "hooks.example.com", "http:///x")) {
            assertEquals(WebhookUrls.problem(u).isEmpty(), pattern.matcher(u).find(), u);
        }
    }

    @Test
    void p99BoundsAreIstiosBuckets() {
        JsonNode then = schema.at("/$defs/check/allOf/0");
        assertEquals("istio-latency-p99", then.at("/if/properties/preset/const").asText());
        List<Double> bounds = new ArrayList<>();
        then.at("/then/properties/max/enum").forEach(n -> bounds.add(n.asDouble()));
        assertEquals(Arrays.stream(dev.aviary.istio.IstioMetrics.durationBucketsMs()).boxed().toList(), bounds);
        assertEquals(0, then.at("/then/properties/min/exclusiveMinimum").asInt());
        JsonNode successRate = schema.at("/$defs/check/allOf/1");
        assertEquals("istio-success-rate", successRate.at("/if/properties/preset/const").asText());
        assertEquals(100, successRate.at("/then/properties/min/maximum").asInt());
        JsonNode knative = schema.at("/$defs/check/allOf/2");
        assertEquals("knative-latency-p99", knative.at("/if/properties/preset/const").asText());
        List<Double> knativeBounds = new ArrayList<>();
        knative.at("/then/properties/max/enum").forEach(n -> knativeBounds.add(n.asDouble()));
        assertEquals(Arrays.stream(dev.aviary.knative.KnativeMetrics.latencyBucketsMs()).boxed().toList(), knativeBounds);
        assertEquals(100, schema.at("/properties/spec/properties/steps/prefixItems/0/not/properties/weight/const").asInt(),
                "the first step is never the promotion");
    }
}
