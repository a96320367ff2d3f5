package dev.aviary.shadow;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Reads predictions out of model servers' JSON answers, the same way for every protocol: one JSON value becomes
 * one {@link Prediction}.
 * <ul>
 *   <li>a number: a score (a fraud probability, a regression value); with the policy's {@code labels}, an integral
 *       number is a class index instead (KServe's sklearn iris answers {@code {"predictions": [1, 1]}})</li>
 *   <li>a string or a boolean (a binary classifier's {@code is_fraud}): a label</li>
 *   <li>an array of numbers: class probabilities, labelled by the policy's {@code labels} or by index "0", "1", ...;
 *       a single number in an array without labels is a score (a sigmoid's {@code [0.83]})</li>
 *   <li>an array of strings (or booleans): labels, best first, without probabilities</li>
 *   <li>an object: the top-k {@code {"labels": [...], "probabilities": [...]}} of the TF Serving ResNet tutorial,
 *       or TF Serving classifiers' {@code {"classes": [...], "scores": [...]}}; a scalar {@code classes} next to a
 *       full probability vector (the official ResNet export's argmax) is read as the vector; an object with one
 *       field is that field</li>
 * </ul>
 * A {@code prediction} JSON Pointer in the policy picks the value inside each prediction first. Anything else is
 * {@link ReplayException.Malformed} with one line saying what was expected and what was found; echoed values are
 * cut to {@value #SHOWN} characters so an answer never floods a message. TF Serving writes {@code NaN} and
 * {@code Infinity} as bare tokens (api_rest.md, "JSON conformance"): they parse, and are refused as non-finite.
 */
public final class Answers {

    /** The longest answer read: larger bodies are refused before parsing, whatever a server sends. */
    public static final int MAX_BODY_CHARS = 16 * 1024 * 1024;
    static final int SHOWN = 60;

    private static final ObjectMapper JSON = JsonMapper.builder(new JsonFactory())
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    private Answers() {
    }

    /** The parsed body of a 2xx answer; {@code protocol} names the server's kind in messages. */
    public static JsonNode parse(String body, String protocol) throws ReplayException.Malformed {
        if (body == null || body.isBlank()) throw new ReplayException.Malformed(protocol + " answer is empty; expected a JSON object");
        if (body.length() > MAX_BODY_CHARS) {
            throw new ReplayException.Malformed(protocol + " answer is " + body.length() / (1024 * 1024)
                    + " MiB, more than the " + MAX_BODY_CHARS / (1024 * 1024) + " MiB an answer may be");
        }
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            String m = e.getOriginalMessage();
            int nl = m.indexOf('\n');
            throw new ReplayException.Malformed(protocol + " answer is not JSON: " + cut(nl < 0 ? m : m.substring(0, nl)));
        }
    }

    /** The object field {@code name} of {@code body}, or Malformed naming what the answer holds instead. */
    public static JsonNode field(JsonNode body, String name, String protocol) throws ReplayException.Malformed {
        if (!body.isObject()) throw new ReplayException.Malformed(protocol + " answer should be a JSON object, found " + show(body));
        JsonNode value = body.get(name);
        if (value == null || value.isNull()) {
            throw new ReplayException.Malformed(protocol + " answer has no \"" + name + "\"; found " + keys(body));
        }
        return value;
    }

    /** The value at {@code pointer} in {@code node} ({@code where} names the node in messages). */
    public static JsonNode at(JsonNode node, String pointer, String where) throws ReplayException.Malformed {
        if (pointer == null || pointer.isEmpty()) return node;
        JsonNode found = node.at(pointer(pointer));
        if (found.isMissingNode() || found.isNull()) {
            throw new ReplayException.Malformed(where + " has nothing at " + pointer + "; found "
                    + (node.isObject() ? keys(node) : show(node)));
        }
        return found;
    }

    /** A JSON Pointer, or an IllegalArgumentException saying how to write one (for the policy's validation). */
    public static JsonPointer pointer(String pointer) {
        if (!pointer.startsWith("/")) {
            throw new IllegalArgumentException("\"" + cut(pointer) + "\" is not a JSON Pointer; write it like /prediction or /outputs/0");
        }
        return JsonPointer.compile(pointer);
    }

    /** Each element of a {@code predictions} array (or one prediction when the answer is a single value). */
    public static List<Prediction> each(JsonNode predictions, ProtocolSpec spec, String where) throws ReplayException.Malformed {
        if (!predictions.isArray()) return List.of(one(predictions, spec, where));
        if (predictions.isEmpty()) throw new ReplayException.Malformed(where + " is an empty array; expected one prediction per instance");
        List<Prediction> out = new ArrayList<>(predictions.size());
        for (int i = 0; i < predictions.size(); i++) out.add(one(predictions.get(i), spec, where + "[" + i + "]"));
        return out;
    }

    /** One prediction, after the policy's {@code prediction} pointer picked its value. */
    public static Prediction one(JsonNode prediction, ProtocolSpec spec, String where) throws ReplayException.Malformed {
        String pointer = spec.prediction();
        JsonNode value = at(prediction, pointer, where);
        return decode(value, spec, pointer == null ? where : where + pointer);
    }

    private static Prediction decode(JsonNode value, ProtocolSpec spec, String where) throws ReplayException.Malformed {
        if (value.isNumber()) return number(value, spec, where);
        if (value.isTextual() || value.isBoolean()) return Prediction.label(value.asText());
        if (value.isArray()) return array(value, spec, where);
        if (value.isObject()) return object(value, spec, where);
        throw new ReplayException.Malformed(where + ": expected a score, a label, probabilities or {labels, probabilities}, found " + show(value));
    }

    private static Prediction number(JsonNode value, ProtocolSpec spec, String where) throws ReplayException.Malformed {
        if (!spec.labels().isEmpty() && value.isIntegralNumber()) return Prediction.label(indexLabel(value, spec, where));
        return Prediction.values(finite(value, where));
    }

    private static Prediction array(JsonNode array, ProtocolSpec spec, String where) throws ReplayException.Malformed {
        if (array.isEmpty()) throw new ReplayException.Malformed(where + " is an empty array; expected probabilities or labels");
        if (array.get(0).isTextual() || array.get(0).isBoolean()) return Prediction.classes(labels(array, where), new double[0]);
        double[] values = numbers(array, where);
        if (values.length == 1 && spec.labels().size() != 1) return Prediction.values(values);
        return Prediction.classes(labelsFor(values.length, spec, where), values);
    }

    private static Prediction object(JsonNode o, ProtocolSpec spec, String where) throws ReplayException.Malformed {
        for (String[] names : new String[][] {{"labels", "probabilities"}, {"classes", "scores"}, {"classes", "probabilities"}}) {
            JsonNode labels = o.get(names[0]);
            JsonNode scores = o.get(names[1]);
            if (labels == null || scores == null) continue;
            String at = where + "/" + names[1];
            if (!scores.isArray()) throw new ReplayException.Malformed(at + ": expected an array of probabilities, found " + show(scores));
            double[] values = numbers(scores, at);
            if (!labels.isArray()) return Prediction.classes(labelsFor(values.length, spec, at), values); // argmax + full vector
            List<String> named = labels(labels, where + "/" + names[0]);
            if (named.size() != values.length) {
                throw new ReplayException.Malformed(where + ": " + named.size() + " " + names[0] + " but " + values.length + " " + names[1]);
            }
            return Prediction.classes(named, values);
        }
        if (o.isEmpty()) throw new ReplayException.Malformed(where + " is an empty object; expected a prediction");
        if (o.size() == 1) {
            var only = o.fields().next();
            return decode(only.getValue(), spec, where + "/" + only.getKey());
        }
        throw new ReplayException.Malformed(where + " has outputs " + keys(o)
                + "; name the one to compare with prediction: /<output>, or answer {labels, probabilities}");
    }

    private static List<String> labels(JsonNode array, String where) throws ReplayException.Malformed {
        List<String> out = new ArrayList<>(array.size());
        for (JsonNode l : array) {
            if (l.isTextual() || l.isBoolean() || l.isIntegralNumber()) out.add(l.asText());
            else throw new ReplayException.Malformed(where + ": expected labels (strings), found " + show(l) + " among them");
        }
        return out;
    }

    /** Probabilities or values: every element a finite number. */
    public static double[] numbers(JsonNode array, String where) throws ReplayException.Malformed {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = array.get(i);
            if (!v.isNumber()) {
                throw new ReplayException.Malformed(where + "[" + i + "]: expected a number, found " + show(v)
                        + (v.isArray() ? " (one array per instance expected, not nested arrays)" : ""));
            }
            out[i] = finite(v, where + "[" + i + "]");
        }
        return out;
    }

    private static double finite(JsonNode v, String where) throws ReplayException.Malformed {
        double d = v.asDouble();
        if (!Double.isFinite(d)) throw new ReplayException.Malformed(where + ": " + d + " is not a finite number; the model answered no usable value");
        return d;
    }

    /** The policy's labels for a vector of {@code n}, or the indexes "0".."n-1" when it names none. */
    public static List<String> labelsFor(int n, ProtocolSpec spec, String where) throws ReplayException.Malformed {
        if (spec.labels().isEmpty()) {
            List<String> index = new ArrayList<>(n);
            for (int i = 0; i < n; i++) index.add(Integer.toString(i));
            return index;
        }
        if (spec.labels().size() != n) {
            throw new ReplayException.Malformed(where + ": " + n + " probabilities but the policy names " + spec.labels().size() + " labels");
        }
        return spec.labels();
    }

    private static String indexLabel(JsonNode value, ProtocolSpec spec, String where) throws ReplayException.Malformed {
        long i = value.asLong();
        if (i < 0 || i >= spec.labels().size()) {
            throw new ReplayException.Malformed(where + ": class index " + i + " is outside the policy's " + spec.labels().size() + " labels");
        }
        return spec.labels().get((int) i);
    }

    /** The object's field names, for "found ..." messages. */
    public static String keys(JsonNode o) {
        if (!o.isObject()) return show(o);
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) names.add(it.next());
        return names.isEmpty() ? "an empty object" : cut(String.join(", ", names));
    }

    /** A value as shown in a message: its JSON, at most {@value #SHOWN} characters. */
    public static String show(JsonNode v) {
        if (v == null || v.isMissingNode()) return "nothing";
        StringBuilder out = new StringBuilder();
        write(v, out);
        return cut(out.toString());
    }

    /** Writes JSON until the message has enough: an answer may be megabytes, and only its start is shown. */
    private static void write(JsonNode v, StringBuilder out) {
        if (out.length() > SHOWN) return;
        if (v.isArray()) {
            out.append('[');
            for (int i = 0; i < v.size() && out.length() <= SHOWN; i++) {
                if (i > 0) out.append(',');
                write(v.get(i), out);
            }
            out.append(']');
        } else if (v.isObject()) {
            out.append('{');
            Iterator<java.util.Map.Entry<String, JsonNode>> fields = v.fields();
            for (boolean first = true; fields.hasNext() && out.length() <= SHOWN; first = false) {
                var f = fields.next();
                if (!first) out.append(',');
                out.append('"').append(cut(f.getKey())).append("\":");
                write(f.getValue(), out);
            }
            out.append('}');
        } else {
            out.append(cut(v.toString()));
        }
    }

    static String cut(String s) {
        return s.length() <= SHOWN ? s : s.substring(0, SHOWN - 3) + "...";
    }
}
