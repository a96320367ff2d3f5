package dev.aviary.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;

/** One CLI call as a person makes it, before Quarkus: what it printed and its exit status. */
record Run(int exitCode, String out, String err) {

    static Run of(List<OptionalCommands> optional, Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new Cli(optional, env).answer(args, new PrintWriter(out), new PrintWriter(err));
        Run r = new Run(code, out.toString(), err.toString());
        assertFalse((r.out + r.err).contains("\tat "), "no stack trace: " + r);
        return r;
    }

    /** Asserts the call failed with {@code code} and one line on stderr, which it returns. */
    String failedWith(int code) {
        assertEquals(code, exitCode, this::toString);
        assertEquals(1, err.strip().lines().count(), "one line: " + err);
        assertEquals("", out, "nothing on stdout");
        return err.strip();
    }

    String ok() {
        assertEquals(0, exitCode, this::toString);
        assertEquals("", err, "nothing on stderr");
        return out;
    }
}
