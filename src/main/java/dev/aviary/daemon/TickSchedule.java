package dev.aviary.daemon;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;

/**
 * When a policy's ticks fall due. Each policy ticks at a stable phase within its interval, taken from a hash of its
 * key: a thousand policies with a 30 s interval spread over the 30 s instead of all waking in the same second, and
 * every replica computes the same instants, so a rollout taken over by another replica keeps its cadence.
 */
final class TickSchedule {

    private TickSchedule() {
    }

    /** The first instant at or after {@code now} that lies on the policy's phase. */
    static Instant firstAt(String key, Duration interval, Instant now) {
        long period = period(interval);
        long wait = Math.floorMod(Math.floorMod(hash(key), period) - now.toEpochMilli(), period);
        return now.plusMillis(wait);
    }

    /**
     * The slot after {@code due}, on the same phase; when ticks fell behind by more than an interval (a full queue, a
     * slow tick), the first such slot after {@code now}: missed ticks are skipped, never run in a burst.
     */
    static Instant after(Instant due, Duration interval, Instant now) {
        long period = period(interval);
        long behind = now.toEpochMilli() - due.toEpochMilli();
        long slots = behind < period ? 1 : behind / period + 1;
        return due.plusMillis(slots * period);
    }

    private static long period(Duration interval) {
        return Math.max(1, interval.toMillis());
    }

    /** 64 stable bits of a key: the same on every replica and in every JVM. */
    static long hash(String key) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            long h = 0;
            for (int i = 0; i < 8; i++) h = (h << 8) | (d[i] & 0xff);
            return h;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
