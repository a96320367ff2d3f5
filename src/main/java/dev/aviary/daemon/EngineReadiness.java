package dev.aviary.daemon;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the engine has read the policies and runs for the Lease: before that the API would answer with no
 * policies, and the status page would show none. Whether this replica leads does not matter (see {@link Engine#ready()}).
 */
@Readiness
@ApplicationScoped
public class EngineReadiness implements HealthCheck {

    private final Engine engine;

    public EngineReadiness(Engine engine) {
        this.engine = engine;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("rollout-engine").status(engine.ready())
                .withData("started", engine.started()).withData("leading", engine.leading()).build();
    }
}
