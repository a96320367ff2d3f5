package dev.aviary.secrets;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Stands in for a logged exception whose text (its own, a cause's or a suppressed one's) holds a secret: same
 * stack trace, same causes, same "Type: message" header, with the secrets redacted.
 */
final class RedactedThrowable extends Throwable {

    private final String shown;

    private RedactedThrowable(String shown, String message, Throwable cause) {
        super(message, cause, true, true);
        this.shown = shown;
    }

    @Override
    public String toString() {
        return shown;
    }

    /** The throwable itself when nothing in its chain reveals a secret, else a redacted copy of the chain. */
    static Throwable of(Throwable t, Redactor redactor) {
        if (t == null || !reveals(t, redactor, Collections.newSetFromMap(new IdentityHashMap<>()))) return t;
        return copy(t, redactor, new IdentityHashMap<>());
    }

    private static boolean reveals(Throwable t, Redactor redactor, Set<Throwable> seen) {
        if (t == null || !seen.add(t)) return false;
        if (redactor.reveals(String.valueOf(t)) || redactor.reveals(t.getMessage())) return true;
        for (Throwable s : t.getSuppressed()) {
            if (reveals(s, redactor, seen)) return true;
        }
        return reveals(t.getCause(), redactor, seen);
    }

    private static Throwable copy(Throwable t, Redactor redactor, IdentityHashMap<Throwable, Throwable> done) {
        if (t == null) return null;
        if (done.containsKey(t)) return done.get(t); // null while t is being copied: a cycle is cut there
        done.put(t, null);
        Throwable cause = copy(t.getCause(), redactor, done);
        RedactedThrowable c = new RedactedThrowable(redactor.redact(String.valueOf(t)), redactor.redact(t.getMessage()), cause);
        c.setStackTrace(t.getStackTrace());
        done.put(t, c);
        for (Throwable s : t.getSuppressed()) {
            Throwable sc = copy(s, redactor, done);
            if (sc != null && sc != c) c.addSuppressed(sc);
        }
        return c;
    }
}
