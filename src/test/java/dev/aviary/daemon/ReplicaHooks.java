package dev.aviary.daemon;

/**
 * What Quarkus' scheduler and a crash do to an {@link Engine}, for tests outside this package that play whole
 * replicas (the chaos run).
 */
public final class ReplicaHooks {

    private ReplicaHooks() {}

    /** One wake-up of the engine, as the scheduler gives it every second. */
    public static void beat(Engine engine) {
        engine.heartbeat();
    }

    /** Stops {@code engine} as a killed pod stops: ticks in flight end, no Lease is released; they expire. */
    public static void kill(Engine engine) {
        engine.stop(false);
    }
}
