package dev.aviary.telemetry;

import dev.aviary.policy.PolicyStore;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Wires Aviary's own metrics. {@link Telemetry} is also the Prometheus client's {@code QueryWatch} and the outbox's
 * {@code Outbox.Watch}; {@link RolloutMetrics} is the controller's tick listener (daemon.Beans).
 */
public class TelemetryBeans {

    @Produces
    @Singleton
    Telemetry telemetry() {
        return new Telemetry();
    }

    @Produces
    @Singleton
    RolloutMetrics rolloutMetrics(Telemetry telemetry, PolicyStore policies) {
        return new RolloutMetrics(telemetry, policies::active);
    }
}
