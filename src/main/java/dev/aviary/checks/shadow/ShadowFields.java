package dev.aviary.checks.shadow;

import dev.aviary.checks.CheckInput;
import dev.aviary.policy.PolicyNode;

import java.util.List;

/** What the shadow check types share beyond {@code source}: the fields they refuse, and minPairs. */
final class ShadowFields {

    /** The check fields of request-metric checks, which a shadow check does not read (a preset is CheckTypes' to refuse). */
    static final List<String> NOT_FOR_SHADOW = List.of("query", "totalQuery", "tolerance", "slowerThan", "min",
            "max", "minSamples", "arm");

    private ShadowFields() {}

    static void notForShadow(CheckInput in, String type) {
        for (String f : NOT_FOR_SHADOW) {
            if (in.node().has(f)) {
                in.node().problemAtKey(f, f + " does not apply to a " + type + " check"
                        + (f.equals("query") || f.equals("totalQuery") ? "; write source.prometheus.agreeQuery / totalQuery" : ""));
            }
        }
    }

    /** minPairs, at least 1 and at most {@code max}; {@code absent} when not written, null when wrong (reported). */
    static Long minPairs(PolicyNode c, long absent, long max) {
        Long n = c.integer("minPairs", absent);
        if (n != null && (n < 1 || n > max)) {
            c.problemAt("minPairs", "minPairs " + n + " is outside 1.." + String.format(java.util.Locale.ROOT, "%,d", max));
            return null;
        }
        return n;
    }
}
