package dev.aviary.policy;

import dev.aviary.policy.Policy.TimeoutAction;
import dev.aviary.policy.YamlNode.Entry;
import dev.aviary.policy.YamlNode.Mapping;
import dev.aviary.policy.YamlNode.Pos;
import dev.aviary.policy.YamlNode.Scalar;
import dev.aviary.policy.YamlNode.Sequence;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A mapping of a policy file being validated, with its path and the position to blame for fields missing from it.
 * Its readers report what is wrong to the file's {@link ProblemList} and return null, so a section validator reads
 * on and one edit-validate round shows every problem. Shared by the section validators (target, steps, checks,
 * notify) so that every field is read, located and reported the same way.
 */
public final class PolicyNode {

    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final List<String> ACTIONS = List.of("rollback", "pause");
    /** The example a zero duration without a default is told to use: a typical interval. */
    private static final Duration EXAMPLE_DURATION = Duration.ofSeconds(30);
    /** Where each known field belongs, to say "minRequests belongs in spec" when it is written at the wrong level. */
    private static final Map<String, String> HOME = homes();

    final Mapping map;
    final String path;
    final Pos anchor;
    private final ProblemList problems;
    /** The policy file being read, for fields naming files next to it; null when the text came from elsewhere. */
    private final java.nio.file.Path file;

    PolicyNode(ProblemList problems, Mapping map, String path, Pos anchor) {
        this(problems, map, path, anchor, null);
    }

    PolicyNode(ProblemList problems, Mapping map, String path, Pos anchor, java.nio.file.Path file) {
        this.problems = problems;
        this.map = map;
        this.path = path;
        this.anchor = anchor;
        this.file = file;
    }

    /** The policy file this mapping is read from (relative paths in it are relative to its directory), or null. */
    public java.nio.file.Path file() {
        return file;
    }

    /** Whether {@code key} holds a mapping (rather than a single value or a list). */
    public boolean isMapping(String key) {
        return get(key) instanceof Mapping;
    }

    /** Report {@code message} at the value of {@code key} (at this mapping when the key is absent). */
    public void problemAt(String key, String message) {
        problem(pos(key), path(key), message);
    }

    /** Report {@code message} at the key {@code key} itself: the field should not be there. */
    public void problemAtKey(String key, String message) {
        problem(keyPos(key), path(key), message);
    }

    /** Report a missing {@code key}, located at this mapping. */
    public void problemMissing(String key, String message) {
        problem(anchor, path + "." + key, message);
    }

    /** Report {@code message} about this mapping as a whole. */
    public void problemHere(String message) {
        problem(anchor, path, message);
    }

    /** Report a problem anywhere in the file: the shared list every section writes to. */
    void problem(Pos pos, String field, String message) {
        problems.add(pos, field, message);
    }

    /** How many problems the file has so far, to tell whether a part of it added any. */
    public int problemCount() {
        return problems.count();
    }

    /** The dotted path to {@code key}; a key that is not a plain word is quoted, so " " cannot look blank. */
    public String path(String key) {
        String k = PLAIN_KEY.matcher(key).matches() ? key : OneLine.quote(key);
        return path.isEmpty() ? k : path + "." + k;
    }

    public boolean has(String key) {
        return map.entries().containsKey(key);
    }

    YamlNode get(String key) {
        Entry e = map.entries().get(key);
        return e == null ? null : e.value();
    }

    Pos keyPos(String key) {
        Entry e = map.entries().get(key);
        return e == null ? anchor : e.keyPos();
    }

    /** Position of the value (where a wrong value is); the key's position when the value is empty. */
    Pos pos(String key) {
        Entry e = map.entries().get(key);
        if (e == null) return anchor;
        return e.value() instanceof Scalar s && s.isNull() ? e.keyPos() : e.value().pos();
    }

    public String raw(String key) {
        return get(key) instanceof Scalar s ? s.text() : String.valueOf(get(key));
    }

    /** Reports every field of this mapping that is not in {@code known} (with a did-you-mean). */
    public void checkKnown(List<String> known, String... alsoAccepted) {
        for (Entry e : map.entries().values()) {
            String key = e.key();
            if (known.contains(key) || Arrays.asList(alsoAccepted).contains(key)) continue;
            Optional<String> close = Suggestions.closest(key, known);
            String message;
            if (close.isPresent()) {
                message = "unknown field " + OneLine.quote(key) + "; did you mean \"" + close.get() + "\"?";
            } else if (HOME.containsKey(key)) {
                message = "unknown field \"" + key + "\" here; " + key + " belongs in " + HOME.get(key)
                        + " (check the indentation)";
            } else {
                message = "unknown field " + OneLine.quote(key) + "; known fields here: " + String.join(", ", known);
            }
            problem(e.keyPos(), path(key), message);
        }
    }

    /** An empty value (key: with nothing after it) is a mistake worth reporting, not the same as absent. */
    private Scalar scalar(String key) {
        YamlNode node = get(key);
        if (node == null) return null;
        if (!(node instanceof Scalar s)) {
            problem(node.pos(), path(key), "expected a single value here, found " + node.kindName());
            return null;
        }
        if (s.isNull()) {
            problem(keyPos(key), path(key), key + " has no value; give it one or remove the line");
            return null;
        }
        return s;
    }

    private void missing(String key) {
        problem(anchor, path(key), (path.isEmpty() ? "" : path + ".") + key + " is missing");
    }

    public String text(String key, boolean required) {
        if (required && !has(key)) {
            missing(key);
            return null;
        }
        Scalar s = scalar(key);
        if (s == null) return null;
        if (s.text().isBlank()) {
            problem(s.pos(), path(key), key + " is empty");
            return null;
        }
        return s.text();
    }

    PolicyNode obj(String key, boolean required) {
        YamlNode node = get(key);
        if (node == null) {
            if (required) missing(key);
            return null;
        }
        if (node instanceof Mapping m) return new PolicyNode(problems, m, path(key), keyPos(key), file);
        if (node instanceof Scalar s && s.isNull()) {
            problem(keyPos(key), path(key), key + " has no value; give it one or remove the line");
        } else {
            problem(node.pos(), path(key), "expected a mapping (key: value lines) here, found " + node.kindName());
        }
        return null;
    }

    /** The mapping under {@code key}, or null when absent or not a mapping (then reported). */
    public PolicyNode child(String key) {
        return obj(key, false);
    }

    /** A list of single values ({@code [a, b]} or lines starting with -); null when absent or wrong (reported). */
    public List<String> texts(String key) {
        Sequence seq = sequence(key, false, "a list like [a, b]");
        if (seq == null) return null;
        List<String> out = new ArrayList<>();
        for (int i = 0; i < seq.items().size(); i++) {
            YamlNode item = seq.items().get(i);
            if (item instanceof Scalar s && !s.isNull() && !s.text().isBlank()) {
                out.add(s.text());
            } else {
                problem(item.pos(), path(key) + "[" + i + "]", "expected a single non-empty value here, found " + item.kindName());
                return null;
            }
        }
        return out;
    }

    /** The list under {@code key}; null when absent (reported when required) or not a list (reported). */
    private Sequence sequence(String key, boolean required, String expected) {
        YamlNode node = get(key);
        if (node == null) {
            if (required) missing(key);
            return null;
        }
        if (!(node instanceof Sequence seq)) {
            problem(node instanceof Scalar s && s.isNull() ? keyPos(key) : node.pos(), path(key),
                    "expected " + expected + " here, found " + node.kindName());
            return null;
        }
        return seq;
    }

    /** The items of a list of mappings; items that are not mappings are reported and skipped. */
    List<PolicyNode> list(String key, boolean required) {
        Sequence seq = sequence(key, required, "a list (lines starting with -)");
        if (seq == null) return null;
        List<PolicyNode> out = new ArrayList<>();
        for (int i = 0; i < seq.items().size(); i++) {
            YamlNode item = seq.items().get(i);
            String itemPath = path(key) + "[" + i + "]";
            if (item instanceof Mapping m) {
                out.add(new PolicyNode(problems, m, itemPath, item.pos(), file));
            } else {
                problem(item.pos(), itemPath, "expected a mapping (key: value lines) here, found " + item.kindName());
            }
        }
        return out;
    }

    public Duration duration(String key, Duration absent, boolean allowZero) {
        if (!has(key)) return absent;
        Scalar s = scalar(key);
        if (s == null) return null;
        Duration d;
        try {
            d = Durations.parse(s.text());
        } catch (IllegalArgumentException e) {
            problem(s.pos(), path(key), e.getMessage());
            return null;
        }
        if (!allowZero && d.isZero()) {
            problem(s.pos(), path(key), key + " must be above 0, e.g. " + Durations.format(absent == null
                    ? EXAMPLE_DURATION : absent));
            return null;
        }
        return d;
    }

    TimeoutAction action(String key, TimeoutAction absent) {
        if (!has(key)) return absent;
        Scalar s = scalar(key);
        if (s == null) return null;
        if (!ACTIONS.contains(s.text())) {
            problem(s.pos(), path(key), key + " must be rollback or pause, found " + OneLine.quote(s.text())
                    + Suggestions.didYouMean(s.text(), ACTIONS));
            return null;
        }
        return TimeoutAction.valueOf(s.text().toUpperCase(Locale.ROOT));
    }

    /** A whole number that fits a long; every other spelling is reported (see {@link NumberSyntax}). */
    public Long integer(String key, Long absent) {
        if (!has(key)) return absent;
        Scalar s = scalar(key);
        if (s == null) return null;
        return read(key, s, NumberSyntax.wholeNumber(s)) instanceof NumberSyntax.Value v
                ? v.value().longValueExact() : null;
    }

    /** A finite number; NaN, infinities and YAML 1.1's other spellings are reported. */
    public Double number(String key, Double absent) {
        if (!has(key)) return absent;
        Scalar s = scalar(key);
        if (s == null) return null;
        return read(key, s, NumberSyntax.number(s)) instanceof NumberSyntax.Value v ? v.value().doubleValue() : null;
    }

    private NumberSyntax.Reading read(String key, Scalar s, NumberSyntax.Reading r) {
        if (r instanceof NumberSyntax.Wrong w) problem(s.pos(), path(key), key + " " + w.message());
        return r;
    }

    /** Reports {@code wrong}, a whole message, at the key's value; true when there was something to report. */
    public boolean check(String key, Optional<String> wrong) {
        wrong.ifPresent(m -> problem(pos(key), path(key), m));
        return wrong.isPresent();
    }

    /**
     * A share written as a percent ({@code 10%}) or a fraction ({@code 0.1}). A bare number above 1 is refused:
     * "tolerance: 10" is far likelier to mean 10% than 1000%.
     */
    public Double fraction(String key, String what) {
        if (!has(key)) return null;
        Scalar s = scalar(key);
        if (s == null) return null;
        String t = s.text().trim();
        if (s.isString() && t.endsWith("%") && t.length() > 1) {
            NumberSyntax.Reading r = NumberSyntax.decimal(t.substring(0, t.length() - 1));
            if (r instanceof NumberSyntax.Wrong w) {
                problem(s.pos(), path(key), what + " " + w.message()); // "tolerance 1e400 is too large"
                return null;
            }
            double pct = ((NumberSyntax.Value) r).value().doubleValue();
            if (pct < 0) {
                problem(s.pos(), path(key), what + " " + t + " is negative");
                return null;
            }
            if (key.equals("minAgreement") && pct > 100) {
                problem(s.pos(), path(key), what + " " + t + " is above 100%");
                return null;
            }
            return pct / 100.0;
        } else if (s.isNumber()) {
            if (!(read(key, s, NumberSyntax.number(s)) instanceof NumberSyntax.Value number)) return null;
            double v = number.value().doubleValue();
            if (v < 0) {
                problem(s.pos(), path(key), what + " " + t + " is negative");
                return null;
            }
            if (v > 1) {
                BigDecimal hundred = BigDecimal.valueOf(100);
                problem(s.pos(), path(key), what + " " + t + " reads as "
                        + NumberSyntax.plain(number.value().multiply(hundred)) + "%; write a percent like " + t
                        + "% or a fraction like " + NumberSyntax.plain(number.value().divide(hundred)));
                return null;
            }
            return v;
        }
        problem(s.pos(), path(key), what + " must be a percent like 10% or a fraction like 0.1, found "
                + s.kindName());
        return null;
    }

    private static Map<String, String> homes() {
        Map<String, String> h = new LinkedHashMap<>();
        // Later puts win: a name known at several levels (name, query, url...) is sent to its likeliest home.
        put(h, PolicyFields.WEBHOOK, "a webhook notify entry");
        put(h, PolicyFields.ARM, "target.istio.baseline / canary");
        put(h, PolicyFields.HEADER_ROUTE, "a step's headerRoute");
        put(h, PolicyFields.NO_DATA, "spec.noData");
        put(h, PolicyFields.KSERVE, "spec.target.kserve");
        put(h, PolicyFields.ISTIO, "spec.target.istio");
        put(h, PolicyFields.TARGET, "spec.target");
        put(h, PolicyFields.CHECK, "a check (spec.checks[])");
        put(h, PolicyFields.STEP, "a step (spec.steps[])");
        put(h, PolicyFields.METADATA, "metadata");
        put(h, PolicyFields.SPEC, "spec");
        put(h, PolicyFields.TOP, "the top level of the file");
        return Map.copyOf(h);
    }

    private static void put(Map<String, String> h, List<String> fields, String where) {
        for (String f : fields) h.put(f, where);
    }
}
