package dev.aviary.metrics.prometheus;

/** Prometheus could not answer; the message says why (never the token). */
public class PrometheusException extends Exception {

    public PrometheusException(String message) {
        super(message);
    }

    public PrometheusException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The query itself is wrong (HTTP 400/422): retrying will not help. */
    public static final class BadQuery extends PrometheusException {
        public BadQuery(String message) {
            super(message);
        }
    }

    /** Aviary's own settings for Prometheus are wrong (a token or URL that cannot be used): retrying will not help. */
    public static final class Misconfigured extends PrometheusException {
        public Misconfigured(String message) {
            super(message);
        }
    }
}
