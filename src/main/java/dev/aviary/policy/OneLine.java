package dev.aviary.policy;

/**
 * Keeps what a policy file says from breaking the one-line {@code file:line:col: field: message} shape: values
 * are quoted short, and control, format and line-separator characters are shown escaped, never printed (a
 * newline would split the message, a bidi override would reorder the terminal line).
 */
public final class OneLine {

    /** Longest value (in code points) quoted whole; longer ones end in "…". */
    static final int MAX_QUOTED = 80;

    private OneLine() {}

    /** {@code "value"}, shortened and escaped. */
    public static String quote(String value) {
        return "\"" + escape(truncate(value, MAX_QUOTED)) + "\"";
    }

    /** The first {@code max} code points of {@code s}, with "…" when something was cut. */
    public static String truncate(String s, int max) {
        if (s == null) return "";
        if (s.length() <= max || s.codePointCount(0, s.length()) <= max) return s;
        return s.substring(0, s.offsetByCodePoints(0, max - 1)) + "…";
    }

    /** {@code s} with every character that is not plainly printable written as an escape. */
    static String escape(String s) {
        if (s == null) return "";
        if (s.codePoints().noneMatch(OneLine::hidden)) return s;
        StringBuilder out = new StringBuilder(s.length() + 16);
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (hidden(cp)) {
                        out.append(cp > 0xFFFF ? String.format("\\u{%X}", cp) : String.format("\\u%04X", cp));
                    } else {
                        out.appendCodePoint(cp);
                    }
                }
            }
        });
        return out.toString();
    }

    private static boolean hidden(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.SURROGATE, Character.UNASSIGNED, Character.PRIVATE_USE -> true;
            default -> false;
        };
    }
}
