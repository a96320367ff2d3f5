package dev.aviary.traffic;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Navigation over the raw JSON maps of an Istio object (Jackson gives Map/List/String/Number/Boolean). */
public final class Json {

    private static final int MESSAGE_VALUE_LENGTH = 80;

    private Json() {}

    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    }

    @SuppressWarnings("unchecked")
    public static List<Object> list(Object o) {
        return o instanceof List<?> l ? (List<Object>) l : null;
    }

    public static Map<String, Object> map(Map<String, Object> parent, String key) {
        return parent == null ? null : map(parent.get(key));
    }

    public static List<Object> list(Map<String, Object> parent, String key) {
        return parent == null ? null : list(parent.get(key));
    }

    public static String string(Map<String, Object> parent, String key) {
        return parent != null && parent.get(key) instanceof String s ? s : null;
    }

    public static Number number(Map<String, Object> parent, String key) {
        return parent != null && parent.get(key) instanceof Number n ? n : null;
    }

    /**
     * A value from the object as it may appear in a one-line message: control characters escaped, long values
     * cut, so a hand-edited field cannot break or flood the message.
     */
    public static String oneLine(Object o) {
        String s = String.valueOf(o);
        boolean cut = s.length() > MESSAGE_VALUE_LENGTH;
        if (cut) s = s.substring(0, MESSAGE_VALUE_LENGTH);
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            if (c == '\n') out.append("\\n");
            else if (Character.isISOControl(c)) out.append(String.format("\\u%04x", (int) c));
            else out.append(c);
        }
        return cut ? out + "..." : out.toString();
    }

    /** A mutable deep copy, so edits never reach the object the client returned. */
    public static Object deepCopy(Object o) {
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> copy = new LinkedHashMap<>();
            m.forEach((k, v) -> copy.put(String.valueOf(k), deepCopy(v)));
            return copy;
        }
        if (o instanceof List<?> l) {
            List<Object> copy = new ArrayList<>(l.size());
            l.forEach(v -> copy.add(deepCopy(v)));
            return copy;
        }
        return o;
    }

    public static Map<String, Object> deepCopyMap(Map<String, Object> m) {
        return map(deepCopy(m));
    }

    /** The value with every map's keys sorted, so equal objects print (and hash) equal whatever their field order. */
    public static Object sortedKeys(Object o) {
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> s = new TreeMap<>();
            m.forEach((k, v) -> s.put(String.valueOf(k), sortedKeys(v)));
            return s;
        }
        if (o instanceof List<?> l) return l.stream().map(Json::sortedKeys).toList();
        return o;
    }
}
