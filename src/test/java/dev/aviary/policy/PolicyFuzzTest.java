package dev.aviary.policy;

import dev.aviary.checks.Comparison;
import dev.aviary.checks.Threshold;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.statistics.Statistics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No policy input of any shape produces anything but a valid policy or a short list of one-line
 * {@code file:line:col: field: message} problems. Thousands of mutated policies (deleted and duplicated lines, type
 * swaps, NaN/infinite/huge/negative numbers, anchors, tags, complex keys, unicode and control characters, deep
 * nesting, truncation, flipped bytes) go through the loader; any exception escaping it, or any problem that is not
 * one line with a position, fails the property. The seed is fixed so CI runs are reproducible.
 */
class PolicyFuzzTest {

    private static final Path FILE = Path.of("policies/fuzz.yaml");
    private static final Pattern ONE_PROBLEM = Pattern.compile("policies/fuzz\\.yaml:[1-9]\\d*:[1-9]\\d*: \\S.*");
    private static final Pattern CLASS_NAME = Pattern.compile("\\b(org|com|java|javax)\\.[a-z]+\\.[A-Za-z]");

    /** A policy using every section, so mutations reach every part of the validator. */
    static final String FULL = """
            apiVersion: aviary.dev/v1
            kind: CanaryPolicy
            metadata:
              name: image-classifier
              namespace: ml
              labels: {team: vision}
            spec:
              target:
                istio:
                  virtualService: image-classifier
                  route: primary
                  baseline: {subset: resnet50, version: v50, host: classifier}
                  canary: {subset: resnet101, version: v101}
              interval: 30s
              steps:
                - headerRoute: {header: user-group, regex: "^(canary|beta)-[a-z]+$"}
                  minDuration: 5m
                - mirror: 20
                - weight: 30
                  minDuration: 10m
                - weight: 100
              maxStepDuration: 1h
              onTimeout: rollback
              noData: {tolerate: 5m, then: pause}
              alpha: 0.01
              minRequests: 500
              checks:
                - name: errors
                  preset: istio-error-rate
                  tolerance: 10%
                - name: latency
                  preset: istio-slow-requests
                  slowerThan: 250ms
                  tolerance: 0.2
                - name: p99-slo
                  preset: istio-latency-p99
                  max: 500
                - name: success
                  preset: istio-success-rate
                  min: 99
                  minSamples: 100
                  arm: canary
                - name: custom
                  type: threshold
                  query: sum(rate(x{v="{{arm}}"}[{{window}}]))
                  max: 0.5
                - name: mw
                  type: mann-whitney
                  query: x{v="{{arm}}"}[{{window}}]
              notify:
                - slack: {secretRef: slack-ml}
                - webhook: {url: "https://hooks.example.com/aviary", secretRef: hook-hmac}
            """;

    /** Values the probe found trouble with, and their relatives. */
    private static final List<String> HOSTILE = List.of(".nan", ".NaN", ".inf", "-.inf", "1e400", "-1e400", "1e-400",
            "-1", "0", "-0", "99999999999999999999", "0x1E", "0o17", "017", "08", "3_0", "1_", "0b101", "!!str 30",
            "!!int \"30\"", "!!float x", "!!binary aGk=", "!!binary fraud", "!foo x", "!<tag:x> y", "\"30\"", "'30'", "~",
            "null", "yes", "on", "[]", "{}", "[1, 2]", "{a: 1}", "*a", "&a x", "&a [1, 2]", "? [a, b]", "<<: {a: 1}",
            "\"a\\u0000b\"", "\"a\\nb\"", "|\n  multi\n  line", ">-\n  folded", "9999999999999999d", "106751991167301d",
            "1.5h", "0ms", "0.1ms", "-5m", "5 minutes", "100", "101", "50.0", "5e1", "10%", "1e400%", ".nan%", "-5%",
            "5000%", "\"\\u202E\"", "🐦", "\"\\t\"", "(?=x)", "(a)\\1", "a++", "[[:alpha:]]", "https://", "'https://a b'",
            "ftp://x", "'https://u:p@h'", "v1.0", "V2", "Fraud_Model", "uri", "X-Group", ":authority", "250", "400",
            "'" + "x".repeat(3000) + "'", "\"" + "\\n".repeat(200) + "\"", "%", "@", "`", "#", "- x", "---", "...",
            "{{arm}}", "{{windw}}", "\"\"", "' '", "istio-latency-p99", "shadow-agreement", "mann-whitney", "pause");

    enum Kind { DELETE_LINE, DUPLICATE_LINE, REPLACE_VALUE, REPLACE_KEY, WRAP_LIST, WRAP_MAP, INDENT, DEDENT,
        TRUNCATE, INSERT, NEST, ALIAS, SECOND_DOCUMENT, FLIP_BYTE }

    /** One edit: what, where (a fraction of the lines or bytes), and with what text. */
    record Mutation(Kind kind, double where, String token) {}

    private final PolicyLoader loader = new PolicyLoader();

    @Property(tries = 3000, seed = "20261124", shrinking = ShrinkingMode.BOUNDED)
    void everyOutcomeIsAValidPolicyOrOneLineProblems(@ForAll("mutatedPolicies") byte[] input) {
        Policy policy;
        try {
            policy = loader.parse(input, FILE);
        } catch (PolicyException e) {
            Statistics.label("outcome").collect("rejected");
            assertWellFormed(e);
            return;
        }
        Statistics.label("outcome").collect("valid");
        assertSound(policy);
    }

    private static void assertWellFormed(PolicyException e) {
        List<Problem> problems = e.problems();
        assertFalse(problems.isEmpty());
        assertTrue(problems.size() <= ProblemList.MAX_REPORTED + 1, () -> problems.size() + " problems");
        for (Problem p : problems) {
            String s = p.toString();
            assertTrue(ONE_PROBLEM.matcher(s).matches(), () -> "not file:line:col: message: " + s);
            assertTrue(s.chars().noneMatch(c -> c < 0x20 || c == 0x7F || c == 0x2028 || c == 0x2029 || c == 0x85),
                    () -> "not one line: " + s);
            assertTrue(s.length() < 1400, () -> "too long: " + s.length());
            assertFalse(CLASS_NAME.matcher(s).find(), () -> "names a Java class: " + s);
            assertFalse(p.message().contains("could not validate"), () -> "the validator failed: " + s);
        }
        if (problems.size() == ProblemList.MAX_REPORTED + 1) {
            String last = problems.get(ProblemList.MAX_REPORTED).message();
            assertTrue(last.matches("and \\d+ more problems?"), last);
            assertEquals(e.total(), ProblemList.MAX_REPORTED + Integer.parseInt(last.split(" ")[1]));
        }
    }

    /** A policy that validated must hold nothing the engine could choke on. */
    private static void assertSound(Policy p) {
        assertTrue(p.alpha() > 0 && p.alpha() <= 0.5, "alpha " + p.alpha());
        assertTrue(p.minRequests() >= 0);
        for (Duration d : List.of(p.interval(), p.maxStepDuration(), p.noData().tolerate())) {
            assertTrue(!d.isNegative() && d.compareTo(Durations.MAX) <= 0, d::toString);
        }
        assertFalse(p.steps().get(0).isPromotion(), "first step promotes");
        assertTrue(p.steps().get(p.steps().size() - 1).isPromotion(), "last step does not promote");
        for (Step s : p.steps()) {
            assertTrue(s.minDuration() != null && s.minDuration().compareTo(Durations.MAX) <= 0, s::toString);
        }
        if (p.target() instanceof IstioTarget istio) {
            assertFalse(istio.baseline().subset().equals(istio.canary().subset()));
        }
        for (CheckSpec c : p.checks()) {
            if (c instanceof Comparison.Spec comparison) {
                double tolerance = comparison.tolerance();
                assertTrue(Double.isFinite(tolerance) && tolerance >= 0 && tolerance <= 10, c::toString);
            }
            if (c instanceof Threshold.Spec threshold) {
                for (Double bound : Arrays.asList(threshold.min(), threshold.max())) {
                    assertTrue(bound == null || Double.isFinite(bound), c::toString);
                }
            }
            assertTrue(Names.CHECK.check("name", c.name()).isEmpty(), c::toString);
        }
    }

    @Provide
    Arbitrary<byte[]> mutatedPolicies() {
        String example;
        try {
            example = Files.readString(Path.of("policies/image-classifier.yaml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Arbitrary<String> base = Arbitraries.of(PolicyLoaderTest.MINIMAL, FULL, example);
        Arbitrary<String> token = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.of(HOSTILE)),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().all().ofMaxLength(12)),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().withChars("[]{}:,-?&*!|>'\"#%@`\\ \n\t").ofMaxLength(8)));
        Arbitrary<Mutation> mutation = Combinators.combine(Arbitraries.of(Kind.class),
                Arbitraries.doubles().between(0, 1), token).as(Mutation::new);
        return Combinators.combine(base, mutation.list().ofMinSize(1).ofMaxSize(5)).as(PolicyFuzzTest::apply);
    }

    /** Text edits in order, then byte flips (which may leave the text not UTF-8). */
    static byte[] apply(String base, List<Mutation> mutations) {
        List<String> lines = new ArrayList<>(Arrays.asList(base.split("\n", -1)));
        for (Mutation m : mutations) {
            if (m.kind() != Kind.FLIP_BYTE) lines = edit(lines, m);
        }
        byte[] bytes = String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
        for (Mutation m : mutations) {
            if (m.kind() == Kind.FLIP_BYTE && bytes.length > 0) {
                bytes[index(m.where(), bytes.length)] = (byte) m.token().hashCode();
            }
        }
        return bytes;
    }

    private static List<String> edit(List<String> lines, Mutation m) {
        if (lines.isEmpty()) lines.add("");
        int i = index(m.where(), lines.size());
        String line = lines.get(i);
        int colon = line.indexOf(": ");
        String indent = line.substring(0, line.length() - line.stripLeading().length());
        String key = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 2);
        switch (m.kind()) {
            case DELETE_LINE -> lines.remove(i);
            case DUPLICATE_LINE -> lines.add(i, line);
            case REPLACE_VALUE -> lines.set(i, key + ": " + m.token());
            case REPLACE_KEY -> lines.set(i, indent + m.token() + (colon < 0 ? ":" : ": " + value));
            case WRAP_LIST -> lines.set(i, key + ": [" + value + "]");
            case WRAP_MAP -> lines.set(i, key + ": {" + value + ": " + value + "}");
            case INDENT -> lines.set(i, "  " + line);
            case DEDENT -> lines.set(i, line.replaceFirst("^ {1,2}", ""));
            case TRUNCATE -> {
                String text = String.join("\n", lines);
                return new ArrayList<>(Arrays.asList(text.substring(0, index(m.where(), text.length() + 1)).split("\n", -1)));
            }
            case INSERT -> {
                int at = index(m.where(), line.length() + 1);
                lines.set(i, line.substring(0, at) + m.token() + line.substring(at));
            }
            case NEST -> {
                int depth = 1 + m.token().length() * 7;
                lines.set(i, key + ": " + "[".repeat(depth) + value + "]".repeat(depth));
            }
            case ALIAS -> {
                lines.set(i, key + ": &a " + value);
                lines.add("x" + Math.abs(m.token().hashCode() % 10) + ": *a");
            }
            case SECOND_DOCUMENT -> lines.add("---\n" + m.token());
            case FLIP_BYTE -> { }
        }
        return lines;
    }

    private static int index(double where, int size) {
        return Math.min(size - 1, (int) (where * size));
    }
}
