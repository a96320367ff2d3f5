package dev.aviary.secrets;

/** A secret cannot be used as it is; the message names where it came from (Secret and key, or variable), never the value. */
public final class SecretException extends Exception {

    public SecretException(String message) {
        super(message);
    }
}
