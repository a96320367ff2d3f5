package dev.aviary.cache;

import java.time.Instant;
import java.util.function.BooleanSupplier;

/** Waits for what a watch brings (informers sync and hear edits asynchronously); fails after 30 s. */
public final class Eventually {

    private Eventually() {}

    public static void await(BooleanSupplier condition, String what) {
        Instant deadline = Instant.now().plusSeconds(30);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) throw new AssertionError("timed out waiting until " + what);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
