package dev.aviary.shadow.v2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aviary.shadow.Answers;
import dev.aviary.shadow.HttpPaths;
import dev.aviary.shadow.Payload;
import dev.aviary.shadow.Prediction;
import dev.aviary.shadow.PredictionProtocol;
import dev.aviary.shadow.ProtocolSpec;
import dev.aviary.shadow.ReplayException;

import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The Open Inference Protocol, KServe's "V2" (kserve/open-inference-protocol {@code inference_rest.md} and its
 * OpenAPI {@code open_inference_rest.yaml}): {@code POST {base}/v2/models/{model}/infer}, the model name escaped as
 * one path segment.
 * <p>
 * Payloads: an {@code inference_request} (an object with an {@code inputs} array) is sent as it is. Otherwise the
 * payload is one instance and becomes typed tensors, as MLServer's pandas codec encodes a row: an object of named
 * features becomes one input per feature (name = key, shape [1], datatype BYTES for a string, BOOL for a boolean,
 * INT64 for an integer, FP64 for any other number); an array becomes one input {@code input-0} of shape
 * [1, n] (or [1, n, m, ...] for a rectangular nested array, data row-major), its datatype chosen the same way for
 * all its elements; a single value becomes {@code input-0} of shape [1].
 * <p>
 * Answers: an {@code inference_response}; the output named by the policy's {@code output} (the first when none is
 * named) is split along its first dimension (the batch) into one prediction per instance. Numbers (FP*, INT*, UINT*)
 * are a score when an instance has one element and probabilities otherwise (labelled by the policy's
 * {@code labels} or by index); with the policy's {@code labels}, an integer output's single element is a class
 * index. BYTES and BOOL are labels. A top-k answer given as two outputs of the same shape, one BYTES (labels) and one
 * numeric (probabilities), is read as labels with their probabilities.
 */
public final class OpenInferenceProtocol implements PredictionProtocol {

    public static final String NAME = "v2";
    static final String ROW_INPUT = "input-0";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public HttpCall request(URI base, Payload payload, ProtocolSpec spec) throws ReplayException.BadPayload {
        URI uri = HttpPaths.under(base, "/v2/models/" + HttpPaths.model(spec) + "/infer");
        JsonNode body = payload.body();
        if (body.isObject() && body.path("inputs").isArray()) return new HttpCall(uri, body.toString());
        if (body.isObject() && body.has("instances")) {
            throw new ReplayException.BadPayload(payload.origin() + ": this is a TF Serving / KServe V1 body (\"instances\"); replay it with "
                    + "protocol: tfserving or kserve-v1, or store V2 inference_requests or plain rows");
        }
        ObjectNode request = JsonNodeFactory.instance.objectNode();
        ArrayNode inputs = request.putArray("inputs");
        if (body.isObject()) {
            if (body.isEmpty()) throw new ReplayException.BadPayload(payload.origin() + ": the payload is an empty object; write one row of named features");
            for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                inputs.add(feature(f.getKey(), f.getValue(), payload.origin()));
            }
        } else {
            inputs.add(row(body, payload.origin()));
        }
        return new HttpCall(uri, request.toString());
    }

    /** One named feature of a row: a scalar input of shape [1]. */
    private static ObjectNode feature(String name, JsonNode value, String origin) throws ReplayException.BadPayload {
        if (!value.isValueNode() || value.isNull()) {
            throw new ReplayException.BadPayload(origin + ": feature \"" + name + "\" is " + Answers.show(value)
                    + "; a V2 row takes one string, number or boolean per feature (or write an inference_request with \"inputs\")");
        }
        return new Tensor(name, new long[] {1}, datatype(List.of(value), origin), List.of(value)).toJson();
    }

    /** An unnamed row: one input of shape [1, dims...]. */
    private static ObjectNode row(JsonNode body, String origin) throws ReplayException.BadPayload {
        List<Long> dims = new ArrayList<>();
        dims.add(1L);
        List<JsonNode> flat = new ArrayList<>();
        if (body.isArray()) dims(body, 0, dims, flat, origin);
        else if (body.isValueNode() && !body.isNull()) flat.add(body);
        else throw new ReplayException.BadPayload(origin + ": the payload is " + Answers.show(body) + "; write one row of features");
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        return new Tensor(ROW_INPUT, shape, datatype(flat, origin), flat).toJson();
    }

    /** Walks a nested array, checking it is rectangular, recording its dimensions and its elements row-major. */
    private static void dims(JsonNode array, int depth, List<Long> dims, List<JsonNode> flat, String origin) throws ReplayException.BadPayload {
        if (array.isEmpty()) throw new ReplayException.BadPayload(origin + ": the row holds an empty array; a tensor needs elements");
        if (dims.size() == depth + 1) dims.add((long) array.size());
        else if (dims.get(depth + 1) != array.size()) {
            throw new ReplayException.BadPayload(origin + ": the row's nested arrays differ in length (" + dims.get(depth + 1) + " and "
                    + array.size() + "); a tensor must be rectangular");
        }
        boolean nested = array.get(0).isArray();
        for (JsonNode v : array) {
            if (v.isArray() != nested) throw new ReplayException.BadPayload(origin + ": the row mixes arrays and values at one level; a tensor must be rectangular");
            if (nested) dims(v, depth + 1, dims, flat, origin);
            else if (v.isValueNode() && !v.isNull()) flat.add(v);
            else throw new ReplayException.BadPayload(origin + ": the row holds " + Answers.show(v) + "; tensor elements are strings, numbers or booleans");
        }
    }

    /** The one datatype for all of {@code values}: BYTES, BOOL, INT64 or FP64. */
    private static String datatype(List<JsonNode> values, String origin) throws ReplayException.BadPayload {
        String type = null;
        for (JsonNode v : values) {
            String t = v.isTextual() ? "BYTES" : v.isBoolean() ? "BOOL" : v.isIntegralNumber() && v.canConvertToLong() ? "INT64" : "FP64";
            if (type == null || type.equals(t)) type = t;
            else if ((type.equals("INT64") && t.equals("FP64")) || (type.equals("FP64") && t.equals("INT64"))) type = "FP64";
            else throw new ReplayException.BadPayload(origin + ": the row mixes " + type + " and " + t + " values; a tensor has one datatype");
        }
        return type;
    }

    @Override
    public List<Prediction> predictions(String body, ProtocolSpec spec) throws ReplayException.Malformed {
        JsonNode answer = Answers.parse(body, NAME);
        JsonNode outputs = Answers.field(answer, "outputs", NAME);
        if (!outputs.isArray() || outputs.isEmpty()) {
            throw new ReplayException.Malformed(NAME + " answer's outputs should be a non-empty array of tensors, found " + Answers.show(outputs));
        }
        List<Tensor> tensors = new ArrayList<>();
        for (int i = 0; i < outputs.size(); i++) tensors.add(Tensor.output(outputs.get(i), i));
        Tensor chosen = chosen(tensors, spec.output());
        Tensor labels = null;
        Tensor scores = chosen;
        Tensor partner = partner(tensors, chosen);
        if (partner != null) {
            labels = chosen.numeric() ? partner : chosen;
            scores = chosen.numeric() ? chosen : partner;
        }
        return split(labels, scores, spec);
    }

    private static Tensor chosen(List<Tensor> tensors, String name) throws ReplayException.Malformed {
        if (name == null) return tensors.get(0);
        for (Tensor t : tensors) if (t.name().equals(name)) return t;
        throw new ReplayException.Malformed(NAME + " answer has no output \"" + name + "\"; its outputs are "
                + Answers.show(JsonNodeFactory.instance.arrayNode().addAll(tensors.stream().map(t -> (JsonNode) JsonNodeFactory.instance.textNode(t.name())).toList())));
    }

    /** The other half of a top-k answer: the only output of the same shape whose kind (labels or numbers) differs. */
    private static Tensor partner(List<Tensor> tensors, Tensor chosen) {
        boolean wantLabels = chosen.numeric();
        List<Tensor> candidates = tensors.stream().filter(t -> t != chosen && t.sameShape(chosen)
                && (wantLabels ? t.datatype().equals("BYTES") : t.numeric()) && (!chosen.datatype().equals("BOOL"))).toList();
        return candidates.size() == 1 ? candidates.get(0) : null;
    }

    /** One prediction per instance, cutting {@code scores} (and {@code labels}, when given) along the batch. */
    private static List<Prediction> split(Tensor labels, Tensor scores, ProtocolSpec spec) throws ReplayException.Malformed {
        long batch = scores.batch();
        long per = scores.perInstance();
        String where = "output \"" + scores.name() + "\"";
        if (batch == 0 || per == 0) throw new ReplayException.Malformed(where + " has shape " + java.util.Arrays.toString(scores.shape()) + ": no values");
        ProtocolSpec plain = new ProtocolSpec(spec.protocol(), spec.model(), spec.path(), null, spec.output(), spec.labels());
        List<Prediction> out = new ArrayList<>((int) Math.min(batch, 10_000));
        for (int i = 0; i < batch; i++) {
            List<JsonNode> slice = scores.data().subList((int) (i * per), (int) ((i + 1) * per));
            String at = where + "[" + i + "]";
            if (labels != null) {
                List<String> names = labels.data().subList((int) (i * per), (int) ((i + 1) * per)).stream().map(JsonNode::asText).toList();
                out.add(Prediction.classes(names, Answers.numbers(array(slice), at)));
            } else if (!scores.numeric()) {
                List<String> names = slice.stream().map(JsonNode::asText).toList();
                out.add(per == 1 ? Prediction.label(names.get(0)) : Prediction.classes(names, new double[0]));
            } else {
                // floats stay values even when written without a fraction; only integer outputs may be class indexes
                List<JsonNode> typed = Tensor.INTEGRAL.contains(scores.datatype()) ? slice
                        : slice.stream().map(v -> (JsonNode) DoubleNode.valueOf(v.asDouble())).toList();
                out.add(Answers.one(per == 1 ? typed.get(0) : array(typed), plain, at));
            }
        }
        return out;
    }

    private static ArrayNode array(List<JsonNode> values) {
        return JsonNodeFactory.instance.arrayNode().addAll(values);
    }
}
