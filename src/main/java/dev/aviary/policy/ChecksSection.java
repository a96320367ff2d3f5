package dev.aviary.policy;

import dev.aviary.policy.CheckSpec.Preset;
import dev.aviary.policy.YamlNode.Pos;
import dev.aviary.policy.YamlNode.Scalar;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Validates {@code spec.checks}: each check's preset or type, its queries and the fields its type takes, and unique
 * names.
 */
final class ChecksSection {

    static final String DEFAULT_THRESHOLD_ARM = "canary";
    /** A comparison's largest tolerance, as a fraction: 10 (1000%) already lets an 11-times-worse canary pass. */
    static final double MAX_TOLERANCE = 10;
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([^}]*?)\\s*}}");
    private static final List<String> PLACEHOLDERS = List.of("arm", "window");
    private static final List<String> CHECK_TYPES = List.of("comparison", "threshold", "mann-whitney", "shadow-agreement");

    private final PolicyNode spec;

    ChecksSection(PolicyNode spec) {
        this.spec = spec;
    }

    List<CheckSpec> read(long minRequests) {
        List<PolicyNode> items = spec.list("checks", true);
        if (items == null) return List.of();
        if (items.isEmpty()) {
            spec.problem(spec.pos("checks"), spec.path("checks"), "checks is empty; without a check Aviary would promote "
                    + "on time alone; add at least one (e.g. preset: istio-error-rate)");
        }
        List<CheckSpec> checks = new ArrayList<>();
        Map<String, Pos> names = new HashMap<>();
        for (PolicyNode item : items) {
            CheckSpec check = check(item, minRequests);
            if (check != null) checks.add(check);
            String name = item.has("name") && item.get("name") instanceof Scalar s && !s.isNull() ? s.text() : null;
            if (name != null) {
                Pos first = names.putIfAbsent(name, item.pos("name"));
                if (first != null) {
                    spec.problem(item.pos("name"), item.path("name"), "duplicate check name " + OneLine.quote(name)
                            + " (first at line " + first.line() + "); check names must be unique, they name the check "
                            + "in events and metrics");
                }
            }
        }
        return checks;
    }

    private CheckSpec check(PolicyNode c, long minRequests) {
        c.checkKnown(PolicyFields.CHECK);
        int before = spec.problemCount();
        String name = c.text("name", true);
        if (name != null && c.check("name", Names.CHECK.check("name", name))) name = null;

        Preset preset = null;
        String presetText = c.text("preset", false);
        if (presetText != null) {
            preset = Preset.fromYaml(presetText);
            if (preset == null) {
                List<String> known = Arrays.stream(Preset.values()).map(Preset::yamlName).toList();
                spec.problem(c.pos("preset"), c.path("preset"), "unknown preset " + OneLine.quote(presetText)
                        + Suggestions.didYouMean(presetText, known) + "; known presets: " + String.join(", ", known));
            }
        }

        String typeText = c.text("type", false);
        CheckSpec.Type type = null;
        if (typeText != null) {
            switch (typeText) {
                case "comparison" -> type = CheckSpec.Type.COMPARISON;
                case "threshold" -> type = CheckSpec.Type.THRESHOLD;
                case "mann-whitney" -> type = CheckSpec.Type.MANN_WHITNEY;
                case "shadow-agreement" -> spec.problem(c.pos("type"), c.path("type"), "type shadow-agreement is not "
                        + "supported yet (prediction-level comparison of mirrored traffic is planned); remove this "
                        + "check for now");
                default -> spec.problem(c.pos("type"), c.path("type"), "unknown check type " + OneLine.quote(typeText)
                        + Suggestions.didYouMean(typeText, CHECK_TYPES) + "; known types: comparison, threshold, mann-whitney");
            }
        } else if (preset != null) {
            type = presetType(preset);
        } else if (presetText == null) {
            spec.problem(c.anchor, c.path, "say what this check is: a preset (" + Arrays.stream(Preset.values())
                    .map(Preset::yamlName).collect(Collectors.joining(", ")) + ") or a type (comparison, threshold, "
                    + "mann-whitney)");
        }
        if (type != null && preset != null && presetType(preset) != type) {
            spec.problem(c.pos("type"), c.path("type"), "preset " + preset.yamlName() + " is a "
                    + typeName(presetType(preset)) + " check, not " + typeName(type) + "; drop type or write type: "
                    + typeName(presetType(preset)));
            type = null;
        }
        if (c.has("source") || c.has("minAgreement")) {
            if (!"shadow-agreement".equals(typeText)) {
                String f = c.has("source") ? "source" : "minAgreement";
                spec.problem(c.keyPos(f), c.path(f), f + " belongs to shadow-agreement checks only");
            }
            c.fraction("minAgreement", "minAgreement");
        }

        String query = c.text("query", false);
        String totalQuery = c.text("totalQuery", false);
        placeholders(c, "query", query);
        placeholders(c, "totalQuery", totalQuery);
        if (preset != null && (query != null || totalQuery != null)) {
            String f = query != null ? "query" : "totalQuery";
            spec.problem(c.keyPos(f), c.path(f), "a check uses either a preset or its own queries, not both; drop "
                    + f + " or the preset");
        }
        Duration slowerThan = c.duration("slowerThan", null, false);
        if (slowerThan != null && slowerThan.isZero()) {
            spec.problem(c.pos("slowerThan"), c.path("slowerThan"), "slowerThan must be above 0, e.g. 250ms");
        }
        if (preset == Preset.ISTIO_SLOW_REQUESTS && !c.has("slowerThan")) {
            spec.problem(c.anchor, c.path + ".slowerThan", "preset istio-slow-requests needs slowerThan: the latency "
                    + "above which a request counts as slow, e.g. slowerThan: 250ms");
        } else if (c.has("slowerThan") && preset != Preset.ISTIO_SLOW_REQUESTS && presetText != null) {
            spec.problem(c.keyPos("slowerThan"), c.path("slowerThan"), "slowerThan applies only to preset "
                    + "istio-slow-requests");
        }
        Double tolerance = c.fraction("tolerance", "tolerance");
        if (tolerance != null && tolerance <= 0) {
            spec.problem(c.pos("tolerance"), c.path("tolerance"), "tolerance must be above 0 (e.g. 10%): with 0 a canary "
                    + "exactly as good as the baseline could never pass");
        } else if (tolerance != null && tolerance > MAX_TOLERANCE) {
            spec.problem(c.pos("tolerance"), c.path("tolerance"), "tolerance " + c.raw("tolerance") + " would pass a canary "
                    + "more than " + (int) (MAX_TOLERANCE + 1) + " times worse than the baseline, which is no check at "
                    + "all; at most " + (int) (MAX_TOLERANCE * 100) + "%");
        }
        Double min = c.number("min", null);
        Double max = c.number("max", null);
        Long minSamples = c.integer("minSamples", null);
        if (minSamples != null && minSamples < 0) {
            spec.problem(c.pos("minSamples"), c.path("minSamples"), "minSamples " + minSamples + " is negative");
        }
        String arm = c.text("arm", false);
        if (arm != null && !arm.equals("canary") && !arm.equals("baseline")) {
            spec.problem(c.pos("arm"), c.path("arm"), "arm must be canary or baseline, found " + OneLine.quote(arm));
        }

        if (type == CheckSpec.Type.COMPARISON) {
            notFor(c, "comparison", "min", "max", "minSamples", "arm");
            if (!c.has("tolerance")) {
                spec.problem(c.anchor, c.path + ".tolerance", "a comparison check needs a tolerance: how much worse than "
                        + "the baseline the canary may be, e.g. tolerance: 10%");
            }
            if (preset == null && presetText == null) {
                if (query == null && !c.has("query")) {
                    spec.problem(c.anchor, c.path + ".query", "a comparison without a preset needs query (the bad-event "
                            + "count) and totalQuery (the total-event count)");
                } else if (totalQuery == null && !c.has("totalQuery")) {
                    spec.problem(c.anchor, c.path + ".totalQuery", "a comparison without a preset needs totalQuery "
                            + "(the total-event count) next to query");
                }
            }
        } else if (type == CheckSpec.Type.THRESHOLD) {
            notFor(c, "threshold", "tolerance", "totalQuery");
            if (!c.has("min") && !c.has("max")) {
                spec.problem(c.anchor, c.path, "a threshold check needs min or max (or both): the acceptable range of "
                        + "the value" + (preset == Preset.ISTIO_LATENCY_P99 ? ", e.g. max: 500 (milliseconds)" : ""));
            }
            if (min != null && max != null && min > max) {
                spec.problem(c.pos("min"), c.path("min"), "min " + c.raw("min") + " is above max " + c.raw("max")
                        + "; no value could pass");
            }
            if (min != null) c.check("min", PresetBounds.problem(preset, "min", c.raw("min"), min));
            if (max != null) c.check("max", PresetBounds.problem(preset, "max", c.raw("max"), max));
            if (preset == null && presetText == null && !c.has("query")) {
                spec.problem(c.anchor, c.path + ".query", "a threshold check without a preset needs query: PromQL "
                        + "giving the value per arm, with {{arm}} and {{window}} placeholders");
            }
        } else if (type == CheckSpec.Type.MANN_WHITNEY) {
            notFor(c, "mann-whitney", "min", "max", "totalQuery", "arm");
            if (presetText != null) {
                spec.problem(c.keyPos("preset"), c.path("preset"), "mann-whitney checks take their own query, not a preset");
            } else if (!c.has("query")) {
                spec.problem(c.anchor, c.path + ".query", "a mann-whitney check needs query: PromQL giving the samples "
                        + "per arm, with {{arm}} and {{window}} placeholders");
            }
        }

        if (spec.problemCount() > before || type == null || name == null) {
            return null;
        }
        long samples = minSamples != null ? minSamples : type == CheckSpec.Type.THRESHOLD ? minRequests : 0;
        String armOrDefault = arm != null ? arm : type == CheckSpec.Type.THRESHOLD ? DEFAULT_THRESHOLD_ARM : null;
        return new CheckSpec(name, type, preset, query, totalQuery, tolerance == null ? 0 : tolerance, slowerThan,
                min, max, samples, armOrDefault);
    }

    private static CheckSpec.Type presetType(Preset preset) {
        return switch (preset) {
            case ISTIO_SUCCESS_RATE, ISTIO_LATENCY_P99 -> CheckSpec.Type.THRESHOLD;
            case ISTIO_ERROR_RATE, ISTIO_SLOW_REQUESTS -> CheckSpec.Type.COMPARISON;
        };
    }

    private static String typeName(CheckSpec.Type type) {
        return type.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private void notFor(PolicyNode c, String type, String... fields) {
        for (String f : fields) {
            if (c.has(f)) {
                spec.problem(c.keyPos(f), c.path(f), f + " does not apply to a " + type + " check");
            }
        }
    }

    private void placeholders(PolicyNode c, String field, String query) {
        if (query == null) return;
        Matcher m = PLACEHOLDER.matcher(query);
        while (m.find()) {
            if (!PLACEHOLDERS.contains(m.group(1))) {
                spec.problem(c.pos(field), c.path(field), "unknown placeholder {{" + OneLine.truncate(m.group(1), 40) + "}}"
                        + Suggestions.didYouMean(m.group(1), PLACEHOLDERS) + "; known: {{arm}}, {{window}}");
            }
        }
    }
}
