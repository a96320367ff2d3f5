package dev.aviary.sim.kserve;

import java.util.List;
import java.util.Map;

/** Reading raw Kubernetes JSON (maps and lists) without casts at every step. */
final class Json {

    private Json() {}

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    static List<?> list(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }
}
