package dev.aviary.metrics.prometheus;

import java.time.Duration;
import java.util.regex.Pattern;

/** Builds PromQL safely from values that come from policies (which must never inject query syntax). */
final class PromQL {

    private PromQL() {}

    /** Escape a value for use inside a double-quoted PromQL string literal. */
    static String quote(String value) {
        StringBuilder s = new StringBuilder(value.length() + 2).append('"');
        for (char c : value.toCharArray()) {
            switch (c) {
                case '\\' -> s.append("\\\\");
                case '"' -> s.append("\\\"");
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                default -> s.append(c);
            }
        }
        return s.append('"').toString();
    }

    /** A quoted regex that matches exactly one of the given literal values. */
    static String anyOf(String... values) {
        StringBuilder re = new StringBuilder();
        for (String v : values) {
            if (re.length() > 0) re.append('|');
            re.append(regexLiteral(v));
        }
        return quote(re.toString());
    }

    /** A regex that matches the literal value only (RE2 has no \Q..\E, so escape each metacharacter). */
    static String regexLiteral(String v) {
        StringBuilder s = new StringBuilder();
        for (char c : v.toCharArray()) {
            if ("\\.+*?()|[]{}^$".indexOf(c) >= 0) s.append('\\');
            s.append(c);
        }
        return s.toString();
    }

    /** A range selector duration, at least 1 s. */
    static String window(Duration d) {
        return Math.max(1, (d.toMillis() + 999) / 1000) + "s";
    }

    /** A regex for a histogram bucket bound: Istio writes le="250", the Java client le="250.0". */
    static String bucketBound(double ms) {
        String plain = ms == Math.rint(ms) ? Long.toString((long) ms) : Double.toString(ms);
        return regexLiteral(plain) + (plain.contains(".") ? "0*" : "(\\.0+)?");
    }

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*(arm|window)\\s*}}");

    /** Fill {{arm}} (escaped, unquoted: the policy author writes the quotes) and {{window}} in a query. */
    static String fill(String template, String arm, Duration window) {
        String quoted = quote(arm);
        String armEscaped = quoted.substring(1, quoted.length() - 1);
        String w = window(window);
        return PLACEHOLDER.matcher(template).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(
                m.group(1).equals("arm") ? armEscaped : w));
    }
}
