package dev.aviary.shadow.v2;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.Keyword;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The official Open Inference Protocol REST spec ({@code src/test/resources/oip/open_inference_rest.yaml}, with
 * its prose in {@code inference_rest.md}) as a test oracle: validates a JSON body against
 * {@code #/components/schemas/inference_request}, {@code inference_response} or {@code inference_error_response}
 * with networknt's JSON-schema validator. OpenAPI 3.0 schema objects are draft 4 plus a few annotations; the
 * {@code $ref}s resolve inside the same document.
 * <p>
 * {@link #violations} adds what the prose requires and the schema cannot say (inference_rest.md, "Request Input",
 * "Response Output", "Tensor Data", "Tensor Data Types", "Inference Response JSON Error Object"): a datatype from
 * the table, a shape of sizes whose product is the number of elements in {@code data}, elements of the datatype's
 * kind, and an {@code error} in an error object. {@link #schemaViolations}
 * is the schema alone.
 * <p>
 * Reuse: {@code OipSpec.load()} once per test class, then {@code assertValid(Body.REQUEST, json)} on every V2
 * request a client builds and {@code assertValid(Body.RESPONSE, json)} on every V2 answer a test accepts.
 */
public final class OipSpec {

    /** The bodies the spec defines for the inference API. */
    public enum Body {
        REQUEST("inference_request", "inputs"),
        RESPONSE("inference_response", "outputs"),
        ERROR("inference_error_response", null);

        final String schema;
        final String tensors;

        Body(String schema, String tensors) {
            this.schema = schema;
            this.tensors = tensors;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RESOURCE = "/oip/open_inference_rest.yaml";
    // OpenAPI annotations that a draft 4 validator does not know; they say nothing about validity
    private static final List<String> OPENAPI_KEYWORDS = List.of("components", "x-examples", "nullable", "example",
            "deprecated", "readOnly", "writeOnly", "discriminator", "xml", "externalDocs");

    private final Map<Body, JsonSchema> schemas;

    private OipSpec(Map<Body, JsonSchema> schemas) {
        this.schemas = schemas;
    }

    /** The spec from the test resources. */
    public static OipSpec load() {
        try (InputStream in = OipSpec.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("missing test resource " + RESOURCE);
            JsonNode document = new ObjectMapper(new YAMLFactory()).readTree(in);
            JsonMetaSchema openApi = JsonMetaSchema.builder(JsonMetaSchema.getV4())
                    .keywords(OPENAPI_KEYWORDS.stream().map(k -> (Keyword) new NonValidationKeyword(k)).toList()).build();
            JsonSchemaFactory factory = JsonSchemaFactory.builder(JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4))
                    .metaSchema(openApi).defaultMetaSchemaIri(openApi.getIri()).build();
            SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(false).build();
            Map<Body, JsonSchema> schemas = new EnumMap<>(Body.class);
            for (Body body : Body.values()) {
                if (!document.path("components").path("schemas").has(body.schema)) {
                    throw new IllegalStateException(RESOURCE + " has no #/components/schemas/" + body.schema);
                }
                // a root that points into the document and carries its components, so every $ref resolves in place
                ObjectNode root = JSON.createObjectNode();
                root.put("$ref", "#/components/schemas/" + body.schema);
                root.set("components", document.get("components"));
                schemas.put(body, factory.getSchema(root, config));
            }
            return new OipSpec(schemas);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How {@code json} breaks the schema of {@code body}, one line each; empty if it conforms. */
    public List<String> schemaViolations(Body body, String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            return List.of("not JSON: " + e.getOriginalMessage());
        }
        List<String> out = new ArrayList<>();
        for (ValidationMessage m : schemas.get(body).validate(node)) out.add(m.getMessage());
        return out;
    }

    /** How {@code json} breaks the schema of {@code body} or the prose's tensor rules; empty if it conforms. */
    public List<String> violations(Body body, String json) {
        List<String> out = new ArrayList<>(schemaViolations(body, json));
        if (!out.isEmpty()) return out;
        try {
            JsonNode node = JSON.readTree(json);
            // the YAML leaves "error" optional; the prose's $inference_error_response is nothing but it
            if (body == Body.ERROR && !node.has("error")) out.add("an inference_error_response carries \"error\"");
            if (body.tensors == null) return out;
            JsonNode tensors = node.path(body.tensors);
            for (int i = 0; i < tensors.size(); i++) tensor(tensors.get(i), body.tensors + "[" + i + "]", out);
        } catch (JsonProcessingException e) {
            out.add("not JSON: " + e.getOriginalMessage());
        }
        return out;
    }

    /** Fails the test with every violation when {@code json} is not a conforming {@code body}. */
    public void assertValid(Body body, String json) {
        List<String> v = violations(body, json);
        if (!v.isEmpty()) throw new AssertionError("not a valid " + body.schema + " per the Open Inference Protocol spec: " + v + " in " + json);
    }

    private static final Set<String> DATATYPES = Set.of("BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16",
            "INT32", "INT64", "FP16", "FP32", "FP64", "BYTES");

    private static void tensor(JsonNode t, String where, List<String> out) {
        String datatype = t.path("datatype").asText();
        if (!DATATYPES.contains(datatype)) out.add(where + ": datatype " + datatype + " is not in the Tensor Data Types table");
        long count = 1;
        for (JsonNode d : t.path("shape")) {
            if (d.asLong() < 0) out.add(where + ": shape has a negative size " + d);
            count *= d.asLong();
        }
        List<JsonNode> elements = new ArrayList<>();
        flatten(t.path("data"), elements);
        if (elements.size() != count) {
            out.add(where + ": shape " + t.path("shape") + " holds " + count + " elements but data has " + elements.size());
        }
        for (JsonNode e : elements) {
            boolean fits = switch (datatype) {
                case "BOOL" -> e.isBoolean();
                case "BYTES" -> e.isTextual();
                case "FP16", "FP32", "FP64" -> e.isNumber();
                default -> e.isIntegralNumber() && (!datatype.startsWith("U") || e.asLong() >= 0);
            };
            if (!fits) {
                out.add(where + ": element " + e + " is not a " + datatype);
                return;
            }
        }
    }

    private static void flatten(JsonNode data, List<JsonNode> into) {
        for (JsonNode e : data) {
            if (e.isArray()) flatten(e, into);
            else into.add(e);
        }
    }
}
