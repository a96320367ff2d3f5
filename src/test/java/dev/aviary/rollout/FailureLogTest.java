package dev.aviary.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

/** A failure that repeats on every tick is one warning line, not one per tick, and never a stack trace at warn. */
class FailureLogTest {

    record Line(Logger.Level level, String text, Throwable trace) {}

    /** A logger that keeps what it is given. */
    static final class Recording extends Logger {
        final List<Line> lines = new ArrayList<>();

        Recording() {
            super("test");
        }

        @Override
        protected void doLog(Level level, String fqcn, Object message, Object[] params, Throwable t) {
            lines.add(new Line(level, String.valueOf(message), t));
        }

        @Override
        protected void doLogf(Level level, String fqcn, String format, Object[] params, Throwable t) {
            lines.add(new Line(level, String.format(format, params), t));
        }

        @Override
        public boolean isEnabled(Level level) {
            return true;
        }

        List<Line> at(Level level) {
            return lines.stream().filter(l -> l.level() == level).toList();
        }
    }

    @Test
    void aRepeatingFailureIsOneWarningLineUntilItChangesOrGoesAway() {
        Recording logger = new Recording();
        FailureLog log = new FailureLog(logger);
        for (int i = 0; i < 10; i++) {
            log.failed("default/image-classifier", "tick failed", new IllegalStateException("API server unreachable\nretry later"));
        }
        assertEquals(1, logger.at(Logger.Level.WARN).size(), "said once: " + logger.lines);
        Line warning = logger.at(Logger.Level.WARN).get(0);
        assertEquals("default/image-classifier: tick failed: IllegalStateException: API server unreachable\\nretry later", warning.text());
        assertNull(warning.trace(), "no stack trace at warn");
        assertEquals(1, logger.at(Logger.Level.DEBUG).stream().filter(l -> l.trace() != null).count(), "the trace once, at debug");

        log.failed("default/image-classifier", "tick failed", new IllegalStateException("forbidden"));
        assertEquals(2, logger.at(Logger.Level.WARN).size(), "a different failure is news");
        log.failed("search/ranker", "tick failed", new IllegalStateException("forbidden"));
        assertEquals(3, logger.at(Logger.Level.WARN).size(), "so is the same failure of another policy");

        log.recovered("default/image-classifier");
        log.failed("default/image-classifier", "tick failed", new IllegalStateException("forbidden"));
        assertEquals(4, logger.at(Logger.Level.WARN).size(), "after a success the failure is news again");
    }
}
