package dev.aviary.checks.shadow;

import dev.aviary.policy.OneLine;
import dev.aviary.policy.PolicyNode;
import dev.aviary.policy.Suggestions;
import dev.aviary.shadow.CompareSpec;

import java.util.List;

/**
 * Reads a replay's {@code compare:}: a method's name alone ({@code compare: top1}) or a mapping with its parameters
 * ({@code compare: {method: topk, k: 5, minOverlap: 60%}}). Each method takes exactly its own parameters:
 * topk k (1..1000) and minOverlap (a share above 0, default 100%); max-prob-delta a tolerance in (0, 1); js a
 * tolerance in (0, 1] (Jensen-Shannon divergence, base 2); numeric a tolerance &ge; 0 (absolute difference).
 */
final class CompareReader {

    private CompareReader() {}

    /** The comparison, top1 when absent; null when wrong (reported). */
    static CompareSpec read(PolicyNode replay) {
        if (!replay.has("compare")) return CompareSpec.TOP1;
        if (!replay.isMapping("compare")) {
            String method = replay.text("compare", false);
            if (method == null || !known(replay, "compare", method)) return null;
            if (!method.equals("top1")) {
                replay.problemAt("compare", "compare " + method + " needs its parameters; write compare: " + example(method));
                return null;
            }
            return CompareSpec.TOP1;
        }
        PolicyNode c = replay.child("compare");
        if (c == null) return null;
        int before = c.problemCount();
        c.checkKnown(SourceSpec.COMPARE_FIELDS);
        String method = c.text("method", true);
        if (method == null || !known(c, "method", method)) return null;
        for (String p : List.of("k", "minOverlap", "tolerance")) {
            if (c.has(p) && !takes(method, p)) {
                c.problemAtKey(p, p + " does not apply to compare method " + method + "; write compare: " + example(method));
            }
        }
        CompareSpec spec = switch (method) {
            case "topk" -> topk(c);
            case "max-prob-delta" -> tolerance(c, method, 0, 1, false, "a probability difference, e.g. 0.1");
            case "js" -> tolerance(c, method, 0, 1, true, "a Jensen-Shannon divergence (base 2), e.g. 0.1");
            case "numeric" -> numeric(c);
            default -> CompareSpec.TOP1;
        };
        return c.problemCount() > before ? null : spec;
    }

    private static boolean known(PolicyNode node, String key, String method) {
        if (SourceSpec.COMPARE_METHODS.contains(method)) return true;
        node.problemAt(key, "unknown compare method " + OneLine.quote(method) + Suggestions.didYouMean(method, SourceSpec.COMPARE_METHODS)
                + "; known: " + String.join(", ", SourceSpec.COMPARE_METHODS));
        return false;
    }

    private static boolean takes(String method, String parameter) {
        return switch (method) {
            case "topk" -> parameter.equals("k") || parameter.equals("minOverlap");
            case "max-prob-delta", "js", "numeric" -> parameter.equals("tolerance");
            default -> false;
        };
    }

    private static String example(String method) {
        return switch (method) {
            case "topk" -> "{method: topk, k: 5, minOverlap: 60%}";
            case "max-prob-delta" -> "{method: max-prob-delta, tolerance: 0.1}";
            case "js" -> "{method: js, tolerance: 0.1}";
            case "numeric" -> "{method: numeric, tolerance: 0.05}";
            default -> "top1";
        };
    }

    private static CompareSpec topk(PolicyNode c) {
        Long k = c.integer("k", null);
        if (!c.has("k")) c.problemMissing("k", "compare topk needs k: how many top labels of each answer to compare, e.g. 5");
        if (k != null && (k < 1 || k > SourceSpec.MAX_K)) {
            c.problemAt("k", "k " + k + " is outside 1.." + SourceSpec.MAX_K);
        }
        Double overlap = c.fraction("minOverlap", "minOverlap");
        if (overlap != null && overlap <= 0) {
            c.problemAt("minOverlap", "minOverlap must be above 0 (e.g. 60%): with 0 any two answers would agree");
        }
        return new CompareSpec("topk", k == null ? 1 : k.intValue(), overlap == null ? 1 : overlap, 0);
    }

    private static CompareSpec tolerance(PolicyNode c, String method, double above, double max, boolean maxIncluded, String what) {
        Double t = c.fraction("tolerance", "tolerance");
        if (!c.has("tolerance")) c.problemMissing("tolerance", "compare " + method + " needs tolerance: " + what);
        if (t != null && (t <= above || (maxIncluded ? t > max : t >= max))) {
            c.problemAt("tolerance", "tolerance " + c.raw("tolerance") + " is outside (0, 1" + (maxIncluded ? "]" : ")")
                    + " for " + method + ": " + (t <= above ? "0 would count any difference as disagreement" : "every pair would agree"));
        }
        return new CompareSpec(method, 1, 1, t == null ? 0 : t);
    }

    private static CompareSpec numeric(PolicyNode c) {
        Double t = c.number("tolerance", null);
        if (!c.has("tolerance")) {
            c.problemMissing("tolerance", "compare numeric needs tolerance: the largest absolute difference that still "
                    + "agrees, e.g. 0.05 for a fraud score");
        }
        if (t != null && t < 0) c.problemAt("tolerance", "tolerance " + c.raw("tolerance") + " is negative");
        return new CompareSpec("numeric", 1, 1, t == null ? 0 : t);
    }
}
