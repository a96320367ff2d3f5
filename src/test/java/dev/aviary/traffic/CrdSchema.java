package dev.aviary.traffic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.Keyword;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Validates objects against a real CRD's {@code openAPIV3Schema} (per served version) with a JSON-schema validator
 * library (networknt), as the API server would on a write; the mock API server checks none of this. Objects are
 * closed where the CRD does not keep unknown fields (no {@code additionalProperties}, no
 * {@code x-kubernetes-preserve-unknown-fields}): a real server prunes such fields silently, so a write holding one
 * would be lost, and here it is a violation.
 */
public final class CrdSchema {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> KUBERNETES_KEYWORDS = List.of("nullable", "x-kubernetes-preserve-unknown-fields",
            "x-kubernetes-int-or-string", "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type",
            "x-kubernetes-validations", "x-kubernetes-embedded-resource");
    private final Map<String, JsonSchema> byVersion;

    private CrdSchema(Map<String, JsonSchema> byVersion) {
        this.byVersion = byVersion;
    }

    /** The CRD in the test resource {@code resource} (a YAML file; comment lines and a leading "---" are fine). */
    public static CrdSchema load(String resource) {
        try (InputStream in = CrdSchema.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing test resource " + resource);
            JsonNode crd = new ObjectMapper(new YAMLFactory()).readTree(in);
            // OpenAPI's structural schema is draft 4 plus Kubernetes' own x-kubernetes-* keywords and nullable, which
            // describe merging and pruning, not validity: known to the validator, so it neither warns nor guesses
            JsonMetaSchema openApi = JsonMetaSchema.builder(JsonMetaSchema.getV4())
                    .keywords(KUBERNETES_KEYWORDS.stream().map(k -> (Keyword) new NonValidationKeyword(k)).toList()).build();
            JsonSchemaFactory factory = JsonSchemaFactory.builder(JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4))
                    .metaSchema(openApi).defaultMetaSchemaIri(openApi.getIri()).build();
            SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(false).build();
            Map<String, JsonSchema> byVersion = new HashMap<>();
            for (JsonNode v : crd.path("spec").path("versions")) {
                ObjectNode schema = v.path("schema").path("openAPIV3Schema").deepCopy();
                // apiVersion, kind and metadata are the API server's own; some CRDs (Istio's) leave them out
                ObjectNode properties = schema.with("properties");
                if (!properties.has("apiVersion")) properties.putObject("apiVersion").put("type", "string");
                if (!properties.has("kind")) properties.putObject("kind").put("type", "string");
                if (!properties.has("metadata")) properties.putObject("metadata").put("type", "object");
                close(schema);
                byVersion.put(v.path("name").asText(), factory.getSchema(schema, config));
            }
            return new CrdSchema(byVersion);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every way the object breaks the schema of its apiVersion, one line each; empty if none. */
    public List<String> violations(Map<String, Object> object) {
        String apiVersion = String.valueOf(object.get("apiVersion"));
        JsonSchema schema = byVersion.get(apiVersion.substring(apiVersion.indexOf('/') + 1));
        if (schema == null) return List.of("apiVersion " + apiVersion + " is not served by the CRD (" + byVersion.keySet() + ")");
        List<String> out = new ArrayList<>();
        for (ValidationMessage m : schema.validate(JSON.valueToTree(object))) out.add(m.getMessage());
        return out;
    }

    /** additionalProperties: false wherever the API server would prune unknown fields. */
    private static void close(JsonNode node) {
        if (node instanceof ObjectNode o) {
            if (o.has("properties") && !o.has("additionalProperties") && !o.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
                o.put("additionalProperties", false);
            }
            o.fields().forEachRemaining(e -> close(e.getValue()));
        } else if (node != null && node.isArray()) {
            node.forEach(CrdSchema::close);
        }
    }
}
