package dev.aviary.shadow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * TF Serving's REST predict API ({@code POST /v1/models/{model}:predict}), which KServe's V1 protocol copies: the
 * request and answer handling both protocols share. A payload holding {@code instances} (row format) or
 * {@code inputs} (columnar) already is a request body and is sent as-is; any other payload is one instance, sent as
 * {@code {"instances": [payload]}}. The answer's {@code predictions} hold one prediction per instance (see
 * {@link Answers} for the forms a prediction may take); with {@code columnar}, TF Serving's {@code outputs} answer to
 * a columnar request is read too: a list is one prediction per instance, an object of named output tensors is cut
 * along the batch dimension into one object per instance.
 */
public abstract class PredictApi implements PredictionProtocol {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String protocol;
    private final boolean columnar;

    /**
     * @param protocol the protocol's name, as a policy writes it
     * @param columnar whether the server answers columnar requests with {@code outputs} (TF Serving does)
     */
    protected PredictApi(String protocol, boolean columnar) {
        this.protocol = protocol;
        this.columnar = columnar;
    }

    @Override
    public final String name() {
        return protocol;
    }

    @Override
    public final PredictionProtocol.HttpCall request(URI base, Payload payload, ProtocolSpec spec) throws ReplayException.BadPayload {
        URI uri = HttpPaths.under(base, "/v1/models/" + HttpPaths.model(spec) + ":predict");
        JsonNode body = payload.body();
        if (isInferenceRequest(body)) {
            throw new ReplayException.BadPayload(payload.origin() + ": this is an Open Inference Protocol inference_request (typed \"inputs\" tensors); "
                    + "replay it with protocol: v2, or store " + protocol + " bodies");
        }
        if (isEnvelope(body)) return new PredictionProtocol.HttpCall(uri, body.toString());
        if (body.isNull()) throw new ReplayException.BadPayload(payload.origin() + ": the payload is null; write one instance or an {\"instances\": [...]} body");
        ObjectNode wrapped = JSON.createObjectNode();
        wrapped.putArray("instances").add(body);
        return new PredictionProtocol.HttpCall(uri, wrapped.toString());
    }

    /** Whether the payload is a V2 request: {@code inputs} holding tensors with a name, a shape and a datatype. */
    public static boolean isInferenceRequest(JsonNode body) {
        JsonNode inputs = body.path("inputs");
        if (!inputs.isArray() || inputs.isEmpty()) return false;
        for (JsonNode i : inputs) if (!i.isObject() || !i.has("name") || !i.has("datatype") || !i.has("shape")) return false;
        return true;
    }

    /** Whether the payload already is a predict request body (and so is sent as it is). */
    public static boolean isEnvelope(JsonNode body) {
        return body.isObject() && (body.has("instances") || body.has("inputs"));
    }

    @Override
    public final List<Prediction> predictions(String body, ProtocolSpec spec) throws ReplayException.Malformed {
        JsonNode answer = Answers.parse(body, protocol);
        if (!answer.isObject()) throw new ReplayException.Malformed(protocol + " answer should be {\"predictions\": [...]}, found " + Answers.show(answer));
        if (answer.hasNonNull("predictions")) return Answers.each(answer.get("predictions"), spec, "predictions");
        if (columnar && answer.hasNonNull("outputs")) return outputs(answer.get("outputs"), spec);
        throw new ReplayException.Malformed(protocol + " answer has no \"predictions\"" + (columnar ? " nor \"outputs\"" : "")
                + "; found " + Answers.keys(answer));
    }

    /** Columnar {@code outputs}: a list per instance, or named tensors each holding the whole batch. */
    private static List<Prediction> outputs(JsonNode outputs, ProtocolSpec spec) throws ReplayException.Malformed {
        if (!outputs.isObject()) return Answers.each(outputs, spec, "outputs");
        int batch = -1;
        for (Iterator<Map.Entry<String, JsonNode>> it = outputs.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!f.getValue().isArray()) {
                throw new ReplayException.Malformed("outputs/" + Answers.cut(f.getKey()) + ": expected one value per instance, found " + Answers.show(f.getValue()));
            }
            if (batch >= 0 && f.getValue().size() != batch) {
                throw new ReplayException.Malformed("outputs: named outputs disagree on the batch size (" + batch + " and " + f.getValue().size() + ")");
            }
            batch = f.getValue().size();
        }
        if (batch <= 0) throw new ReplayException.Malformed("outputs holds no values; expected one per instance");
        List<Prediction> out = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            ObjectNode row = JSON.createObjectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = outputs.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                row.set(f.getKey(), f.getValue().get(i));
            }
            out.add(Answers.one(row, spec, "outputs[" + i + "]"));
        }
        return out;
    }
}
