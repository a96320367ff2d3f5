package dev.aviary.secrets;

import io.quarkus.arc.Arc;
import io.quarkus.arc.ArcContainer;
import io.quarkus.arc.InstanceHandle;
import io.quarkus.logging.LoggingFilter;
import java.util.function.Supplier;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import org.jboss.logmanager.ExtLogRecord;

/**
 * Keeps secrets out of every log line, whoever logs it (Aviary, the HTTP client, the Kubernetes client): the record's
 * message is formatted with its parameters and redacted, and a thrown exception whose text reveals a secret is
 * replaced by a redacted copy. Never drops a record. Wired to the handlers by {@code quarkus.log.*.filter}.
 *
 * <p>Quarkus builds log filters before the application's beans exist, so the {@link Redactor} is looked up in the
 * CDI container when a record arrives (and re-looked up when the application restarts, as in tests).
 */
@LoggingFilter(name = RedactingLogFilter.NAME)
public final class RedactingLogFilter implements Filter {

    public static final String NAME = "aviary-redact";

    private final Supplier<Redactor> redactor;
    /** Set while this thread is inside the filter: a record logged by the lookup itself passes unfiltered. */
    private final ThreadLocal<Boolean> busy = ThreadLocal.withInitial(() -> false);
    private volatile Found found;

    private record Found(ArcContainer container, Redactor redactor) {}

    public RedactingLogFilter() {
        this.redactor = this::lookup;
    }

    RedactingLogFilter(Redactor redactor) {
        this.redactor = () -> redactor;
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        if (busy.get()) return true;
        busy.set(true);
        try {
            Redactor r = redactor.get();
            if (r != null && !r.isEmpty()) redact(record, r);
        } catch (RuntimeException e) {
            // a filter must never lose the record it was given
        } finally {
            busy.set(false);
        }
        return true;
    }

    static void redact(LogRecord record, Redactor r) {
        String formatted = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : new SimpleFormatter().formatMessage(record);
        if (r.reveals(formatted)) {
            String clean = r.redact(formatted);
            if (record instanceof ExtLogRecord ext) {
                ext.setMessage(clean, ExtLogRecord.FormatStyle.NO_FORMAT);
            } else {
                record.setMessage(clean);
            }
            record.setParameters(null);
        }
        Throwable thrown = RedactedThrowable.of(record.getThrown(), r);
        if (thrown != record.getThrown()) record.setThrown(thrown);
    }

    private Redactor lookup() {
        ArcContainer c = Arc.container();
        if (c == null || !c.isRunning()) return null;
        Found f = found;
        if (f == null || f.container() != c) {
            InstanceHandle<Redactor> h = c.instance(Redactor.class);
            if (!h.isAvailable()) return null;
            f = new Found(c, h.get());
            found = f;
        }
        return f.redactor();
    }
}
