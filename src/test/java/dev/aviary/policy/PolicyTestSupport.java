package dev.aviary.policy;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Assertions the policy tests share: the problems of a policy text, one at a given place, and edits to it. */
final class PolicyTestSupport {

    static final Path FILE = Path.of("policies/p.yaml");

    private PolicyTestSupport() {}

    /** The problems of {@code yaml}, which must be rejected. */
    static List<Problem> problems(String yaml) {
        PolicyException e = assertThrows(PolicyException.class, () -> new PolicyLoader().parse(yaml, FILE));
        assertFalse(e.problems().isEmpty());
        return e.problems();
    }

    /** Exactly one problem, at line:column on field, whose message contains each fragment. */
    static Problem single(String yaml, int line, int column, String field, String... fragments) {
        List<Problem> ps = problems(yaml);
        assertEquals(1, ps.size(), () -> "expected one problem, got:\n" + render(ps));
        Problem p = ps.get(0);
        assertAt(p, line, column, field, fragments);
        return p;
    }

    static void assertAt(Problem p, int line, int column, String field, String... fragments) {
        assertEquals(line + ":" + column + " " + field, p.line() + ":" + p.column() + " " + p.field(), p::toString);
        for (String f : fragments) {
            assertTrue(p.message().contains(f), () -> "message lacks \"" + f + "\": " + p);
        }
        assertEquals(FILE, p.file());
    }

    static String render(List<Problem> ps) {
        return ps.stream().map(Problem::toString).collect(Collectors.joining("\n"));
    }

    static String replace(String yaml, String from, String to) {
        if (!yaml.contains(from)) fail("test setup: \"" + from + "\" not in the policy");
        return yaml.replace(from, to);
    }
}
