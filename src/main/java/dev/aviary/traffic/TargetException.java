package dev.aviary.traffic;

/** A target could not be read or written; the message says what to fix. */
public class TargetException extends Exception {

    public TargetException(String message) {
        super(message);
    }

    public TargetException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The target changed between read and write (resourceVersion mismatch). */
    public static final class Conflict extends TargetException {
        public Conflict(String message) {
            super(message);
        }
    }

    /** The target does not exist or does not have the shape the policy expects. */
    public static class Invalid extends TargetException {
        public Invalid(String message) {
            super(message);
        }
    }

    /** The target does not exist (deleted): a rollout on it stops rather than waits. */
    public static final class Gone extends Invalid {
        public Gone(String message) {
            super(message);
        }
    }
}
