package dev.aviary.traffic.istio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks an object against the structural OpenAPI schema of Istio's VirtualService CRD, as the API server would:
 * types, required fields, oneOf/anyOf/not, enums, integer ranges and formats, the CEL duration rules the CRD
 * carries, and fields the schema does not know (which a real server prunes silently, so a write holding one
 * would be lost). The mock API server checks none of this.
 */
final class IstioSchema {

    private static final String CRD = "/istio/crd/virtualservices.networking.istio.io.yaml";
    private static final Set<String> SERVER_FIELDS = Set.of("apiVersion", "kind", "metadata");
    private static final String DURATION_RULE = "duration(self) >= duration('1ms')";
    private static final Pattern DURATION_PART = Pattern.compile("(\\d*\\.?\\d*)(ns|us|µs|ms|s|m|h)");

    private final Map<String, JsonNode> schemaByVersion;

    private IstioSchema(Map<String, JsonNode> schemaByVersion) {
        this.schemaByVersion = schemaByVersion;
    }

    static IstioSchema virtualService() {
        try (InputStream in = IstioSchema.class.getResourceAsStream(CRD)) {
            if (in == null) throw new IllegalStateException("missing test resource " + CRD);
            JsonNode crd = new ObjectMapper(new YAMLFactory()).readTree(in);
            Map<String, JsonNode> byVersion = new HashMap<>();
            for (JsonNode v : crd.path("spec").path("versions")) {
                byVersion.put(v.path("name").asText(), v.path("schema").path("openAPIV3Schema"));
            }
            return new IstioSchema(byVersion);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every way the object breaks the schema of its apiVersion, one line each with its JSON path; empty if none. */
    List<String> violations(Map<String, Object> object) {
        List<String> out = new ArrayList<>();
        String apiVersion = String.valueOf(object.get("apiVersion"));
        JsonNode schema = schemaByVersion.get(apiVersion.substring(apiVersion.indexOf('/') + 1));
        if (schema == null) {
            out.add("apiVersion " + apiVersion + " is not served by the CRD (" + schemaByVersion.keySet() + ")");
            return out;
        }
        // apiVersion, kind and metadata are the API server's own; the CRD schema covers spec and status
        for (Map.Entry<String, Object> e : object.entrySet()) {
            if (SERVER_FIELDS.contains(e.getKey())) continue;
            JsonNode property = schema.path("properties").path(e.getKey());
            if (property.isMissingNode()) out.add("." + e.getKey() + ": unknown field");
            else check(e.getValue(), property, "." + e.getKey(), out);
        }
        return out;
    }

    private static boolean matches(Object value, JsonNode schema, String path) {
        List<String> out = new ArrayList<>();
        check(value, schema, path, out);
        return out.isEmpty();
    }

    private static void check(Object value, JsonNode schema, String path, List<String> out) {
        if (value == null) {
            if (!schema.path("nullable").asBoolean(false)) out.add(path + ": null is not allowed");
            return;
        }
        if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
            if (!(value instanceof String) && !isWhole(value)) out.add(path + ": must be an integer or a string, got " + value);
        } else if (schema.has("type")) {
            checkType(value, schema, path, out);
        }
        if (value instanceof Map<?, ?> map) {
            for (JsonNode required : schema.path("required")) {
                if (!map.containsKey(required.asText())) out.add(path + ": missing required field " + required.asText());
            }
        }
        if (schema.has("oneOf")) {
            int n = 0;
            for (JsonNode sub : schema.path("oneOf")) if (matches(value, sub, path)) n++;
            if (n != 1) out.add(path + ": must match exactly one of oneOf, matches " + n);
        }
        if (schema.has("anyOf")) {
            boolean any = false;
            for (JsonNode sub : schema.path("anyOf")) any |= matches(value, sub, path);
            if (!any) out.add(path + ": matches none of anyOf");
        }
        if (schema.has("not") && matches(value, schema.path("not"), path)) out.add(path + ": matches a forbidden 'not' schema");
        for (JsonNode rule : schema.path("x-kubernetes-validations")) {
            String r = rule.path("rule").asText();
            if (!r.equals(DURATION_RULE)) throw new IllegalStateException("IstioSchema cannot evaluate the CEL rule " + r);
            Long nanos = value instanceof String s ? durationNanos(s) : null;
            if (nanos == null || nanos < 1_000_000) out.add(path + ": " + rule.path("message").asText() + ", got " + value);
        }
    }

    private static void checkType(Object value, JsonNode schema, String path, List<String> out) {
        String type = schema.path("type").asText();
        switch (type) {
            case "object" -> {
                if (!(value instanceof Map<?, ?> map)) {
                    out.add(path + ": must be an object, got " + value);
                    return;
                }
                JsonNode properties = schema.path("properties");
                JsonNode additional = schema.path("additionalProperties");
                boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    String key = String.valueOf(e.getKey());
                    String at = path + "." + key;
                    if (properties.has(key)) check(e.getValue(), properties.path(key), at, out);
                    else if (additional.isObject()) check(e.getValue(), additional, at, out);
                    else if (!preserve && !additional.asBoolean(false)) out.add(at + ": unknown field (the API server prunes it)");
                }
            }
            case "array" -> {
                if (!(value instanceof List<?> list)) {
                    out.add(path + ": must be a list, got " + value);
                    return;
                }
                for (int i = 0; i < list.size(); i++) check(list.get(i), schema.path("items"), path + "[" + i + "]", out);
            }
            case "string" -> {
                if (!(value instanceof String s)) {
                    out.add(path + ": must be a string, got " + value);
                    return;
                }
                if (schema.has("enum")) {
                    boolean known = false;
                    for (JsonNode option : schema.path("enum")) known |= option.asText().equals(s);
                    if (!known) out.add(path + ": '" + s + "' is not one of " + schema.path("enum"));
                }
            }
            case "integer" -> {
                if (!isWhole(value)) {
                    out.add(path + ": must be an integer, got " + value);
                    return;
                }
                BigDecimal v = new BigDecimal(value.toString());
                BigDecimal min = schema.has("minimum") ? schema.path("minimum").decimalValue()
                        : "uint32".equals(schema.path("format").asText()) ? BigDecimal.ZERO
                        : "int32".equals(schema.path("format").asText()) ? BigDecimal.valueOf(Integer.MIN_VALUE) : null;
                BigDecimal max = schema.has("maximum") ? schema.path("maximum").decimalValue()
                        : "int32".equals(schema.path("format").asText()) ? BigDecimal.valueOf(Integer.MAX_VALUE) : null;
                if (min != null && v.compareTo(min) < 0 || max != null && v.compareTo(max) > 0) {
                    out.add(path + ": " + value + " is out of range [" + min + ", " + max + "]");
                }
            }
            case "number" -> {
                if (!(value instanceof Number n) || !Double.isFinite(n.doubleValue())) out.add(path + ": must be a number, got " + value);
            }
            case "boolean" -> {
                if (!(value instanceof Boolean)) out.add(path + ": must be a boolean, got " + value);
            }
            default -> throw new IllegalStateException("IstioSchema does not know type " + type + " at " + path);
        }
    }

    private static boolean isWhole(Object value) {
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof java.math.BigInteger) return true;
        return value instanceof Number n && Double.isFinite(n.doubleValue()) && n.doubleValue() == Math.rint(n.doubleValue())
                && !(value instanceof Double || value instanceof Float); // JSON 30.0 is a number, not an integer
    }

    /** A Go duration ("1h30m", "2.5s", "500ms") in nanoseconds; null when it does not parse. */
    static Long durationNanos(String s) {
        if (s.isEmpty()) return null;
        Matcher m = DURATION_PART.matcher(s);
        double total = 0;
        int end = 0;
        while (m.find() && m.start() == end) {
            if (m.group(1).isEmpty() || m.group(1).equals(".")) return null;
            double n = Double.parseDouble(m.group(1));
            total += n * switch (m.group(2)) {
                case "ns" -> 1d;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
            end = m.end();
        }
        return end == s.length() ? (long) total : null;
    }
}
