package dev.aviary.shadow;

import dev.aviary.shadow.json.JsonProtocol;
import dev.aviary.shadow.kservev1.KServeV1Protocol;
import dev.aviary.shadow.tfserving.TfServingProtocol;
import dev.aviary.shadow.v2.OpenInferenceProtocol;

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

    private static Map<String, PredictionProtocol> byName(List<PredictionProtocol> protocols) {
        Map<String, PredictionProtocol> m = new LinkedHashMap<>();
        for (PredictionProtocol p : protocols) {
            if (m.put(p.name(), p) != null) throw new IllegalStateException("two protocols named " + p.name());
        }
        return java.util.Collections.unmodifiableMap(m);
    }
}
