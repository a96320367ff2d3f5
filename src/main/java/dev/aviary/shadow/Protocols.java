package dev.aviary.shadow;

import dev.aviary.shadow.json.JsonProtocol;
import dev.aviary.shadow.kservev1.KServeV1Protocol;
import dev.aviary.shadow.tfserving.TfServingProtocol;
import dev.aviary.shadow.v2.OpenInferenceProtocol;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every protocol a replay source can speak, by the name a policy writes after {@code protocol:}. The one list to
 * extend with a new protocol class. Protocols are stateless, so one instance of each serves every replay.
 */
public final class Protocols {

    private static final Map<String, PredictionProtocol> BY_NAME = byName(List.of(
            new TfServingProtocol(), new KServeV1Protocol(), new OpenInferenceProtocol(), new JsonProtocol()));

    private Protocols() {
    }

    /** The protocol a policy names, if there is one by that name. */
    public static Optional<PredictionProtocol> of(String name) {
        return Optional.ofNullable(name == null ? null : BY_NAME.get(name));
    }

    /** Every protocol, one instance each (for the replay source). */
    public static List<PredictionProtocol> all() {
        return List.copyOf(BY_NAME.values());
    }

    /** The names, in the order the validator lists them ("one of tfserving, kserve-v1, v2, json"). */
    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }

    /**
     * What the policy's {@code source.replay} is missing for its protocol, one line each, or none: an unknown
     * protocol, a model name for the protocols whose path holds it, a path for json, a malformed JSON Pointer.
     * For the policy validator, so a replay never starts with a spec every request would fail on.
     */
    public static List<String> problems(ProtocolSpec spec) {
        List<String> out = new ArrayList<>();
        if (of(spec.protocol()).isEmpty()) {
            out.add("protocol " + (spec.protocol() == null ? "is missing" : "\"" + Answers.cut(spec.protocol()) + "\" is unknown")
                    + "; use one of " + String.join(", ", names()));
            return out;
        }
        boolean json = spec.protocol().equals(JsonProtocol.NAME);
        if (!json && (spec.model() == null || spec.model().isBlank())) out.add(spec.protocol() + " needs model: <the model's name on the server>");
        if (json && (spec.path() == null || spec.path().isBlank())) out.add("json needs path: <the request path, e.g. /classify>");
        if (!json && spec.path() != null) out.add("path is for protocol json only; " + spec.protocol() + " has its own path");
        if (spec.output() != null && !spec.protocol().equals(OpenInferenceProtocol.NAME)) out.add("output is for protocol v2 only; use prediction: /<pointer>");
        if (spec.prediction() != null) {
            if (spec.protocol().equals(OpenInferenceProtocol.NAME)) out.add("prediction is not for protocol v2; name the output tensor with output: <name>");
            try {
                Answers.pointer(spec.prediction());
            } catch (IllegalArgumentException e) {
                out.add("prediction " + e.getMessage());
            }
        }
        return out;
    }

    private static Map<String, PredictionProtocol> byName(List<PredictionProtocol> protocols) {
        Map<String, PredictionProtocol> m = new LinkedHashMap<>();
        for (PredictionProtocol p : protocols) {
            if (m.put(p.name(), p) != null) throw new IllegalStateException("two protocols named " + p.name());
        }
        return java.util.Collections.unmodifiableMap(m);
    }
}
