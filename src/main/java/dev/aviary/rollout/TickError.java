package dev.aviary.rollout;

/**
 * The failure a rollout's ticks keep running into. Kept in the CanaryRollout, so a restarted daemon goes on
 * counting where the last one stopped instead of starting the count, and the retries, over.
 *
 * @param message one line: what failed
 * @param count   how many ticks in a row failed this way
 * @param since   when the first of them failed (ISO-8601)
 */
public record TickError(String message, int count, String since) {}
