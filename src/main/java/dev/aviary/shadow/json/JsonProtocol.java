package dev.aviary.shadow.json;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aviary.shadow.Answers;
import dev.aviary.shadow.HttpPaths;
import dev.aviary.shadow.Payload;
import dev.aviary.shadow.Prediction;
import dev.aviary.shadow.PredictionProtocol;
import dev.aviary.shadow.ProtocolSpec;
import dev.aviary.shadow.ReplayException;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Any JSON-over-HTTP model server with its own API, such as a BentoML service: the payload is the request body as
 * it is, POSTed to {@code {base}{path}} (the policy's {@code path}, e.g. {@code /classify}).
 * <p>
 * Answers: the value at the policy's {@code prediction} JSON Pointer (the whole body when none is given): a score, a
 * label, a probability vector, labels, or a {@code {labels, probabilities}} object (see {@link Answers}) is one
 * instance's prediction; an array of arrays or of objects is one prediction per instance. An array of numbers is
 * always one instance's probabilities (or, with one element, its score).
 */
public final class JsonProtocol implements PredictionProtocol {

    public static final String NAME = "json";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public HttpCall request(URI base, Payload payload, ProtocolSpec spec) throws ReplayException.BadPayload {
        if (spec.path() == null || spec.path().isBlank()) {
            throw new ReplayException.BadPayload("json needs the request path: add path: /<route> to the replay source");
        }
        return new HttpCall(HttpPaths.under(base, spec.path()), payload.body().toString());
    }

    @Override
    public List<Prediction> predictions(String body, ProtocolSpec spec) throws ReplayException.Malformed {
        JsonNode answer = Answers.parse(body, NAME);
        String pointer = spec.prediction();
        JsonNode value = Answers.at(answer, pointer, "the answer");
        String where = pointer == null ? "the answer" : pointer;
        // the pointer already picked the value: instances below it are read without picking again
        ProtocolSpec inside = new ProtocolSpec(spec.protocol(), spec.model(), spec.path(), null, spec.output(), spec.labels());
        if (!manyInstances(value)) return List.of(Answers.one(value, inside, where));
        List<Prediction> out = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) out.add(Answers.one(value.get(i), inside, where + "[" + i + "]"));
        return out;
    }

    private static boolean manyInstances(JsonNode value) {
        if (!value.isArray() || value.isEmpty()) return false;
        JsonNode first = value.get(0);
        return first.isArray() || first.isObject();
    }
}
