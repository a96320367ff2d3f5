package dev.aviary.traffic;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Records an RFC 6902 JSON Patch while editing a working copy of the object. Every edit goes through here, so the
 * patch sent is exactly the edit made: no re-serialised object, no field Aviary does not manage.
 */
public final class JsonPatch {

    private final List<Map<String, Object>> ops = new ArrayList<>();

    /** Set {@code parent[key] = value}; records nothing when it already holds an equal value. */
    public void put(Map<String, Object> parent, String pointer, String key, Object value) {
        if (parent.containsKey(key) && jsonEquals(parent.get(key), value)) return;
        String op = parent.containsKey(key) ? "replace" : "add";
        parent.put(key, value);
        ops.add(op(op, pointer + "/" + escape(key), value));
    }

    public void remove(Map<String, Object> parent, String pointer, String key) {
        if (!parent.containsKey(key)) return;
        parent.remove(key);
        ops.add(op("remove", pointer + "/" + escape(key), null));
    }

    public void insert(List<Object> list, String pointer, int index, Object value) {
        list.add(index, value);
        ops.add(op("add", pointer + "/" + index, value));
    }

    public void removeAt(List<Object> list, String pointer, int index) {
        list.remove(index);
        ops.add(op("remove", pointer + "/" + index, null));
    }

    public boolean isEmpty() {
        return ops.isEmpty();
    }

    /**
     * The operations, preceded by a {@code replace} of metadata.resourceVersion with the version the decision was
     * made on. The API server treats a resourceVersion in the patched object as a precondition and answers 409 when
     * the stored one differs (a {@code test} op would fail with 422 instead, indistinguishable from bad input).
     */
    public List<Map<String, Object>> guardedBy(String resourceVersion) {
        List<Map<String, Object>> all = new ArrayList<>(ops.size() + 1);
        all.add(op("replace", "/metadata/resourceVersion", resourceVersion));
        all.addAll(ops);
        return List.copyOf(all);
    }

    private static Map<String, Object> op(String op, String path, Object value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", op);
        m.put("path", path);
        if (!op.equals("remove")) m.put("value", value);
        return m;
    }

    private static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    /** JSON equality: numbers by value (Jackson reads 20 as Integer, 20.0 as Double). */
    public static boolean jsonEquals(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            if (!finite(x) || !finite(y)) return Double.compare(x.doubleValue(), y.doubleValue()) == 0;
            return new BigDecimal(x.toString()).compareTo(new BigDecimal(y.toString())) == 0;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (!x.keySet().equals(y.keySet())) return false;
            for (Object k : x.keySet()) if (!jsonEquals(x.get(k), y.get(k))) return false;
            return true;
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) return false;
            for (int i = 0; i < x.size(); i++) if (!jsonEquals(x.get(i), y.get(i))) return false;
            return true;
        }
        return Objects.equals(a, b);
    }

    /** NaN and the infinities have no BigDecimal form. */
    private static boolean finite(Number n) {
        return !(n instanceof Double || n instanceof Float) || Double.isFinite(n.doubleValue());
    }
}
