package dev.aviary.metrics.prometheus;

/**
 * Hears how each query to Prometheus went (Aviary's own metrics listen here). Must return at once and never throw:
 * watching the queries never changes what they answer.
 */
public interface QueryWatch {

    /** Why a query failed, as a bounded label: never the message, which may name a URL. */
    enum Failure { BAD_QUERY, MISCONFIGURED, UNAVAILABLE }

    /** Watches nothing. */
    QueryWatch NONE = (seconds, failure) -> { };

    /**
     * @param seconds how long the query took, answer or not
     * @param failure why it failed, or null when Prometheus answered
     */
    void queried(double seconds, Failure failure);
}
