package dev.aviary.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.logging.Level;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.junit.jupiter.api.Test;

/** Log records come out of the filter without secrets, formatted as the console handler formats them. */
class RedactingLogFilterTest {

    private static final String TOKEN = "tok3n-value-123\n";
    private static final String URL = "https://hooks.slack.com/services/T0/B0/xoxbSECRET";
    private final Redactor redactor = new Redactor();
    private final RedactingLogFilter filter = new RedactingLogFilter(redactor);
    /** Quarkus' default console pattern, stack traces included. */
    private final PatternFormatter console = new PatternFormatter("%d{HH:mm:ss,SSS} %-5p [%c{3.}] (%t) %s%e%n");

    RedactingLogFilterTest() {
        redactor.register(TOKEN);
        redactor.register(URL);
    }

    private static ExtLogRecord record(String format, ExtLogRecord.FormatStyle style, Object... params) {
        ExtLogRecord r = new ExtLogRecord(Level.WARNING, format, style, RedactingLogFilterTest.class.getName());
        r.setLoggerName("dev.aviary.daemon.Engine");
        r.setParameters(params);
        return r;
    }

    @Test
    void aFormattedMessageAndTheWholeExceptionChainAreRedacted() {
        ExtLogRecord r = record("%s: tick failed; the next tick retries", ExtLogRecord.FormatStyle.PRINTF, "default/image-classifier");
        IOException cause = new IOException("POST " + URL + " refused");
        IllegalArgumentException thrown = new IllegalArgumentException("invalid header value: \"Bearer " + TOKEN + "\"", cause);
        thrown.addSuppressed(new IllegalStateException("also " + TOKEN.strip()));
        r.setThrown(thrown);

        assertTrue(filter.isLoggable(r), "never drops a record");
        String out = console.format(r);
        assertFalse(out.contains(TOKEN.strip()) || out.contains("xoxbSECRET") || out.contains("hooks.slack.com"), out);
        assertTrue(out.contains("default/image-classifier: tick failed"), out);
        assertTrue(out.contains("java.lang.IllegalArgumentException: invalid header value: \"Bearer <redacted>\""), out);
        assertTrue(out.contains("Caused by: java.io.IOException: POST <redacted> refused"), out);
        assertTrue(out.contains("Suppressed: java.lang.IllegalStateException: also <redacted>"), out);
        assertTrue(out.contains("at dev.aviary.secrets.RedactingLogFilterTest.aFormattedMessageAndTheWholeExceptionChainAreRedacted"),
                "the stack trace is kept: " + out);
    }

    @Test
    void secretsPassedAsParametersAreRedactedInEveryFormatStyle() {
        ExtLogRecord printf = record("reading %s failed", ExtLogRecord.FormatStyle.PRINTF, URL);
        ExtLogRecord messageFormat = record("token {0} refused", ExtLogRecord.FormatStyle.MESSAGE_FORMAT, TOKEN);
        filter.isLoggable(printf);
        filter.isLoggable(messageFormat);
        assertEquals("reading <redacted> failed", console.format(printf).replaceAll("^.*\\) ", "").strip());
        assertEquals("token <redacted> refused", console.format(messageFormat).replaceAll("^.*\\) ", "").strip());
    }

    @Test
    void aRecordWithoutSecretsIsLeftExactlyAsItWas() {
        ExtLogRecord r = record("policy %s in force", ExtLogRecord.FormatStyle.PRINTF, "default/image-classifier");
        RuntimeException e = new RuntimeException("plain trouble");
        r.setThrown(e);
        filter.isLoggable(r);
        assertSame(e, r.getThrown(), "the original exception, type and all");
        assertEquals("policy %s in force", r.getMessage());
        assertEquals(1, r.getParameters().length);
    }

    @Test
    void aCyclicCauseChainEnds() {
        RuntimeException a = new RuntimeException("a " + TOKEN.strip());
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b); // a -> b -> a
        ExtLogRecord r = record("failed", ExtLogRecord.FormatStyle.NO_FORMAT);
        r.setThrown(a);
        filter.isLoggable(r);
        String out = console.format(r);
        assertFalse(out.contains(TOKEN.strip()), out);
        assertTrue(out.contains("Caused by: java.lang.RuntimeException: b"), out);
    }

    @Test
    void withNoSecretsKnownNothingIsTouched() {
        RedactingLogFilter empty = new RedactingLogFilter(new Redactor());
        ExtLogRecord r = record("%s", ExtLogRecord.FormatStyle.PRINTF, TOKEN);
        empty.isLoggable(r);
        assertEquals("%s", r.getMessage());
    }
}
