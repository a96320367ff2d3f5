package dev.aviary.shadow;

/** A replay that produced no prediction; the message is one line and names no secret. */
public abstract class ReplayException extends Exception {

    protected ReplayException(String message) {
        super(message, null, false, false);
    }

    /** The stored payload cannot be sent with the protocol (e.g. a TF Serving body to a V2 server). */
    public static final class BadPayload extends ReplayException {
        public BadPayload(String message) {
            super(message);
        }
    }

    /** The server answered 2xx, but not with what the protocol promises. */
    public static final class Malformed extends ReplayException {
        public Malformed(String message) {
            super(message);
        }
    }
}
