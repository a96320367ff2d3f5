package dev.aviary.chaos;

import dev.aviary.sandbox.PrometheusServer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The replicas and what happens to them: started together, woken ten times a second as Quarkus' scheduler would, one
 * killed every {@link ChaosPlan#killEvery} and a fresh one started in its place {@link ChaosPlan#restartAfter} later,
 * Prometheus stopped once for {@link ChaosPlan#prometheusDown}; until every rollout is done (and Prometheus is back)
 * or the plan's time is up. Then the survivors stop and every outbox works off what it was handed.
 */
final class ChaosLoop {

    private final ChaosPlan plan;
    private final FaultyApiServer api;
    private final Replica.Settings settings;
    private final Notifications notifications;
    private final long started = System.nanoTime();
    private final List<Replica> all = new ArrayList<>();
    private final List<Replica> alive = new ArrayList<>();
    int kills, restarts, prometheusRestarts;

    ChaosLoop(ChaosPlan plan, FaultyApiServer api, Replica.Settings settings, Notifications notifications) {
        this.plan = plan;
        this.api = api;
        this.settings = settings;
        this.notifications = notifications;
    }

    /** @param done whether every rollout has ended */
    void run(PrometheusServer prometheus, BooleanSupplier done) throws IOException, InterruptedException {
        for (int r = 0; r < plan.replicas(); r++) start();
        ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor();
        try {
            beats.scheduleAtFixedRate(() -> {
                synchronized (alive) {
                    alive.forEach(Replica::beat);
                }
            }, 0, 100, TimeUnit.MILLISECONDS);
            api.startFaults();
            long deadline = System.nanoTime() + plan.timeout().toNanos();
            long nextKill = System.nanoTime() + plan.killEvery().toNanos();
            long outageAt = System.nanoTime() + plan.prometheusDownAt().toNanos();
            long backAt = Long.MAX_VALUE;
            int victim = 0;
            while (System.nanoTime() < deadline && (prometheusRestarts == 0 || !done.getAsBoolean())) {
                if (System.nanoTime() >= outageAt) {
                    prometheus.stop();
                    say("Prometheus stopped");
                    outageAt = Long.MAX_VALUE;
                    backAt = System.nanoTime() + plan.prometheusDown().toNanos();
                }
                if (System.nanoTime() >= backAt) {
                    prometheus.resume();
                    say("Prometheus back");
                    prometheusRestarts++;
                    backAt = Long.MAX_VALUE;
                }
                if (System.nanoTime() >= nextKill) {
                    Replica dead;
                    synchronized (alive) {
                        dead = alive.remove(victim++ % alive.size());
                    }
                    dead.kill();
                    kills++;
                    say(dead.name + " killed");
                    Thread.sleep(plan.restartAfter().toMillis());
                    start(); // a new pod, with a name of its own
                    restarts++;
                    nextKill = System.nanoTime() + plan.killEvery().toNanos();
                }
                Thread.sleep(250);
            }
        } finally {
            api.stopFaults();
            beats.shutdownNow();
            beats.awaitTermination(5, TimeUnit.SECONDS);
            synchronized (alive) {
                alive.forEach(Replica::stop);
            }
            for (Replica r : all) r.drain(60_000);
            all.forEach(Replica::close);
        }
    }

    long ticks() {
        return all.stream().mapToLong(Replica::ticks).sum();
    }

    /** Seconds since the loop was made. */
    double elapsed() {
        return (System.nanoTime() - started) / 1e9;
    }

    private void start() {
        Replica replica = new Replica("replica-" + all.size(), api, settings, notifications).start();
        all.add(replica);
        synchronized (alive) {
            alive.add(replica);
        }
    }

    private void say(String what) {
        System.out.printf("chaos +%.1fs: %s%n", elapsed(), what);
    }
}
