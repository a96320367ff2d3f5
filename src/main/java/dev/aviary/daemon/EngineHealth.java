package dev.aviary.daemon;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** Live while the engine's heartbeat keeps beating: a stuck scheduler gets the pod restarted. */
@Liveness
@ApplicationScoped
public class EngineHealth implements HealthCheck {

    static final Duration STALE = Duration.ofSeconds(60);

    private final Engine engine;
    private final Clock clock;

    public EngineHealth(Engine engine, Clock clock) {
        this.engine = engine;
        this.clock = clock;
    }

    @Override
    public HealthCheckResponse call() {
        Instant beat = engine.lastHeartbeat();
        boolean stale = engine.started() && beat != null && Duration.between(beat, clock.instant()).compareTo(STALE) > 0;
        return HealthCheckResponse.named("rollout-engine").status(!stale)
                .withData("started", engine.started()).withData("leading", engine.leading())
                .withData("lastHeartbeat", beat == null ? "never" : beat.toString()).build();
    }
}
