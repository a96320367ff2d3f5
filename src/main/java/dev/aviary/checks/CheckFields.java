package dev.aviary.checks;

import dev.aviary.policy.OneLine;
import dev.aviary.policy.PolicyNode;
import dev.aviary.policy.Suggestions;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fields the built-in check types share, read and checked on their own (placeholders, ranges, spelling) before
 * the check's type says which of them it takes. Read for every check, whatever its type, so a file with a wrong
 * type still hears about its other mistakes in the same round.
 *
 * @param tolerance  a comparison's allowance, as a fraction (null when absent or wrong)
 * @param minSamples requests an arm must have served before a value may decide (null when absent)
 */
public record CheckFields(String query, String totalQuery, Duration slowerThan, Double tolerance, Double min, Double max,
                          Long minSamples, String arm) {

    /** A comparison's largest tolerance, as a fraction: 10 (1000%) already lets an 11-times-worse canary pass. */
    public static final double MAX_TOLERANCE = 10;
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([^}]*?)\\s*}}");
    private static final List<String> PLACEHOLDERS = List.of("arm", "window");

    /**
     * @param presetFields for each field some preset takes (e.g. slowerThan), the presets that take it
     */
    static CheckFields read(PolicyNode c, Preset preset, String presetText, Map<String, List<String>> presetFields) {
        String query = c.text("query", false);
        String totalQuery = c.text("totalQuery", false);
        placeholders(c, "query", query);
        placeholders(c, "totalQuery", totalQuery);
        if (preset != null && (query != null || totalQuery != null)) {
            String f = query != null ? "query" : "totalQuery";
            c.problemAtKey(f, "a check uses either a preset or its own queries, not both; drop " + f + " or the preset");
        }
        Duration slowerThan = c.duration("slowerThan", null, false);
        if (slowerThan != null && slowerThan.isZero()) {
            c.problemAt("slowerThan", "slowerThan must be above 0, e.g. 250ms");
        }
        presetFields(c, preset, presetText, presetFields);
        Double tolerance = c.fraction("tolerance", "tolerance");
        if (tolerance != null && tolerance <= 0) {
            c.problemAt("tolerance", "tolerance must be above 0 (e.g. 10%): with 0 a canary exactly as good as the "
                    + "baseline could never pass");
        } else if (tolerance != null && tolerance > MAX_TOLERANCE) {
            c.problemAt("tolerance", "tolerance " + c.raw("tolerance") + " would pass a canary more than "
                    + (int) (MAX_TOLERANCE + 1) + " times worse than the baseline, which is no check at all; at most "
                    + (int) (MAX_TOLERANCE * 100) + "%");
        }
        Double min = c.number("min", null);
        Double max = c.number("max", null);
        Long minSamples = c.integer("minSamples", null);
        if (minSamples != null && minSamples < 0) {
            c.problemAt("minSamples", "minSamples " + minSamples + " is negative");
        }
        String arm = c.text("arm", false);
        if (arm != null && !arm.equals("canary") && !arm.equals("baseline")) {
            c.problemAt("arm", "arm must be canary or baseline, found " + OneLine.quote(arm));
        }
        return new CheckFields(query, totalQuery, slowerThan, tolerance, min, max, minSamples, arm);
    }

    /** What the preset requires of its own fields, and preset fields written next to a preset that does not take them. */
    private static void presetFields(PolicyNode c, Preset preset, String presetText, Map<String, List<String>> presetFields) {
        presetFields.forEach((field, owners) -> {
            boolean taken = preset != null && preset.fields().contains(field);
            if (!taken && c.has(field) && presetText != null) {
                c.problemAtKey(field, field + " applies only to preset" + (owners.size() == 1 ? " " : "s ")
                        + String.join(", ", owners));
            }
        });
        if (preset != null) preset.check(c);
    }

    private static void placeholders(PolicyNode c, String field, String query) {
        placeholders(c, field, query, PLACEHOLDERS);
    }

    /** Reports each {{placeholder}} of {@code query} that is not one of {@code known}. */
    public static void placeholders(PolicyNode c, String field, String query, List<String> known) {
        if (query == null) return;
        Matcher m = PLACEHOLDER.matcher(query);
        while (m.find()) {
            if (!known.contains(m.group(1))) {
                c.problemAt(field, "unknown placeholder {{" + OneLine.truncate(m.group(1), 40) + "}}"
                        + Suggestions.didYouMean(m.group(1), known) + "; known: "
                        + String.join(", ", known.stream().map(k -> "{{" + k + "}}").toList()));
            }
        }
    }
}
