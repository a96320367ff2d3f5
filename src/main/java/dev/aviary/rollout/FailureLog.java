package dev.aviary.rollout;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Logs a failure that keeps happening once: a one-line warning the first time (the stack trace at debug), the
 * repeats at debug, and a warning again when the message changes. Keyed by what failed (a policy).
 */
public final class FailureLog {

    private final Logger log;
    private final Map<String, String> last = new ConcurrentHashMap<>();

    public FailureLog(Logger log) {
        this.log = log;
    }

    /** @param what what went wrong, for the log line ("tick failed") */
    public void failed(String key, String what, RuntimeException e) {
        String message = TickFailures.oneLine(e.getClass().getSimpleName() + ": " + e.getMessage());
        if (message.equals(last.put(key, message))) {
            log.debugf("%s: %s again: %s", key, what, message);
        } else {
            log.warnf("%s: %s: %s", key, what, message);
            log.debugf(e, "%s: the failure in full", key);
        }
    }

    /** It worked: the next failure is news again. */
    public void recovered(String key) {
        last.remove(key);
    }
}
