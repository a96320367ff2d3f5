package dev.aviary.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.aviary.policy.PolicyLoaderTest.MINIMAL;
import static dev.aviary.policy.PolicyTestSupport.FILE;
import static dev.aviary.policy.PolicyTestSupport.assertAt;
import static dev.aviary.policy.PolicyTestSupport.problems;
import static dev.aviary.policy.PolicyTestSupport.render;
import static dev.aviary.policy.PolicyTestSupport.replace;
import static dev.aviary.policy.PolicyTestSupport.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hostile or broken file gets a short, one-line answer, fast: messages never split or flood, a file is never
 * parsed past its size limit, YAML's dangerous features (aliases, complex keys, foreign tags, deep nesting) are
 * refused by name, and no Java class name reaches the user.
 */
class HostileYamlTest {

    @TempDir
    Path dir;

    private static void assertOneLine(Problem p) {
        String s = p.toString();
        assertTrue(s.codePoints().noneMatch(c -> Character.getType(c) == Character.CONTROL
                || Character.getType(c) == Character.FORMAT || c == 0x2028 || c == 0x2029), () -> "not one line: " + s);
        assertTrue(s.length() <= 1400, () -> "too long (" + s.length() + "): " + s.substring(0, 200));
        assertFalse(s.matches(".*\\b(org|com|java)\\.[a-z]+\\.[A-Za-z.$]+.*"), () -> "names a Java class: " + s);
    }

    // ------------------------------------------------------------------ one line

    @Test
    void newlinesAndControlCharactersInAValueAreEscaped() {
        Problem p = single(replace(MINIMAL, "aviary.dev/v1", "\"aviary.dev/v1\\nkind: x\\u202E\\u0007\""), 1, 13,
                "apiVersion", "found \"aviary.dev/v1\\nkind: x\\u202E\\u0007\"");
        assertOneLine(p);
    }

    @Test
    void aBlockScalarKeyIsEscapedInTheFieldPathToo() {
        Problem p = single(replace(MINIMAL, "  name: fraud", "  name: fraud\n  \"own\\ner\": x"), 5, 3,
                "metadata.\"own\\ner\"", "unknown field \"own\\ner\"");
        assertOneLine(p);
    }

    @Test
    void longValuesAreCutWithAnEllipsis() {
        Problem p = single(replace(MINIMAL, "aviary.dev/v1", "x".repeat(100_000)), 1, 13, "apiVersion",
                "found \"" + "x".repeat(79) + "…\"");
        assertOneLine(p);
        assertTrue(p.toString().length() < 200, p::toString);
    }

    @Test
    void problemsAreOneLineWhateverTheCallerPassed() {
        Problem p = new Problem(Path.of("dir\n/p.yaml"), 3, 4, "a\rb", "x\ny\u2028z" + "m".repeat(5000));
        assertTrue(p.toString().startsWith("dir\\n/p.yaml:3:4: a\\rb: x\\ny\\u2028zmmm"), p::toString);
        assertTrue(p.message().endsWith("…"));
        assertOneLine(p);
    }

    // ------------------------------------------------------------------ how many

    @Test
    void atMostFiftyProblemsThenHowManyMore() throws Exception {
        StringBuilder unknown = new StringBuilder();
        for (int i = 0; i < 120; i++) unknown.append("  extra").append(i).append(": 1\n");
        PolicyException e = assertThrows(PolicyException.class,
                () -> new PolicyLoader().parse(replace(MINIMAL, "  steps:", unknown + "  steps:"), FILE));
        assertEquals(51, e.problems().size(), () -> render(e.problems()));
        assertEquals(120, e.total());
        assertAt(e.problems().get(50), 61, 3, "", "and 70 more problems");
        assertEquals("policies/p.yaml:61:3: and 70 more problems", e.problems().get(50).toString());
    }

    @Test
    void tensOfThousandsOfAliasesGiveFiftyOneLines() {
        String aliases = MINIMAL.replace("kind: CanaryPolicy", "kind: &k CanaryPolicy") + "x: [" + "*k,".repeat(80_000) + "*k]\n";
        assertTrue(aliases.length() < PolicyLoader.MAX_BYTES, "the case is about aliases, not size");
        List<Problem> ps = problems(aliases);
        assertEquals(51, ps.size());
        assertAt(ps.get(0), 18, 5, "", "YAML aliases (*k) are not supported in policies; write the value out");
        assertAt(ps.get(50), 18, 155, "", "and 79951 more problems");
    }

    // ------------------------------------------------------------------ size

    @Test
    void anOversizedFileIsRefusedBeforeItIsRead() throws IOException {
        Path big = dir.resolve("big.yaml");
        Files.writeString(big, MINIMAL.replace("name: fraud", "name: " + "a".repeat(5_000_000)));
        long start = System.nanoTime();
        PolicyException e = assertThrows(PolicyException.class, () -> new PolicyLoader().load(big));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(big + ": the file is 4.8 MiB; a policy file may be at most 256 KiB (a policy is usually a few KiB), "
                + "so this is not read", render(e.problems()));
        assertTrue(millis < 1000, "refused in " + millis + " ms");
    }

    @Test
    void theSizeLimitHoldsForTextAndBytesAlike() {
        String justOver = MINIMAL + "#" + "x".repeat(PolicyLoader.MAX_BYTES - MINIMAL.length()) + "\n";
        assertEquals("policies/p.yaml: the file is 256 KiB; a policy file may be at most 256 KiB (a policy is usually "
                + "a few KiB), so this is not read", render(problems(justOver)));
        String justUnder = MINIMAL + "#" + "x".repeat(PolicyLoader.MAX_BYTES - MINIMAL.length() - 3) + "\n";
        assertEquals(PolicyLoader.MAX_BYTES - 1, justUnder.length());
        assertEquals("default/fraud", assertDoesNotThrowPolicy(justUnder).key());
    }

    private static Policy assertDoesNotThrowPolicy(String yaml) {
        try {
            return new PolicyLoader().parse(yaml, FILE);
        } catch (PolicyException e) {
            throw new AssertionError(render(e.problems()), e);
        }
    }

    @Test
    void bytesThatAreNotUtf8ArePointedAt() {
        byte[] latin1 = replace(MINIMAL, "name: fraud", "name: caf\u00e9").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        PolicyException e = assertThrows(PolicyException.class, () -> new PolicyLoader().parse(latin1, FILE));
        assertEquals("policies/p.yaml:4:12: the file is not UTF-8 text (byte 0xE9 here); save it as UTF-8",
                render(e.problems()));
    }

    // ------------------------------------------------------------------ YAML features

    @Test
    void complexKeysAreRefusedWithoutJavaClassNames() {
        Problem p = single(replace(MINIMAL, "  name: fraud", "  name: fraud\n  ? [a, b]\n  : 1"), 5, 6, "",
                "a key must be a plain name, not a list or a mapping (YAML complex keys");
        assertOneLine(p);
    }

    @ParameterizedTest
    @ValueSource(strings = {"!foo", "!!binary", "!!timestamp", "!!python/object:os.system", "!<tag:example.com,2000:x>"})
    void tagsOutsideTheCoreSchemaAreRefused(String tag) {
        Problem p = single(replace(MINIMAL, "name: fraud", "name: " + tag + " ZnJhdWQ="), 4, 9, "",
                "is not supported in policies; remove it");
        assertTrue(p.message().startsWith("YAML tag !"), p::toString);
    }

    @Test
    void binaryThatIsNotBase64IsRefusedInPlainWords() {
        Problem p = single(replace(MINIMAL, "name: fraud", "name: !!binary fraud"), 4, 23, "",
                "a !!binary value that is not valid base64");
        assertOneLine(p);
    }

    @Test
    void mergeKeysAreRefused() {
        single(replace(MINIMAL, "  name: fraud", "  name: fraud\n  <<: {namespace: ml}"), 5, 3, "",
                "YAML merge keys (<<) are not supported");
    }

    @Test
    void deepNestingIsRefusedByName() {
        for (String nested : List.of("[".repeat(10_000), "{a: ".repeat(5_000))) {
            Problem p = single("apiVersion: " + nested + "\n", 1, 1, "");
            assertTrue(p.message().contains("nested more than 32 levels deep"), p::toString);
            assertOneLine(p);
        }
    }
}
