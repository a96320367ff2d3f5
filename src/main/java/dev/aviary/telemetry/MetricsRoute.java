package dev.aviary.telemetry;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Serves {@link Telemetry} on {@code GET /q/metrics}, the application's HTTP port, next to Quarkus' own
 * {@code /q/health}: a plain Vert.x route, as no Quarkus metrics extension is in use to claim the path.
 */
@ApplicationScoped
public class MetricsRoute {

    static final String PATH = "/q/metrics";

    private final Telemetry telemetry;

    public MetricsRoute(Telemetry telemetry) {
        this.telemetry = telemetry;
    }

    void route(@Observes Router router) {
        // blocking: the gauges read the policies in force when scraped, which must never stall the event loop
        router.get(PATH).blockingHandler(ctx -> ctx.response()
                .putHeader("Content-Type", Telemetry.contentType())
                .end(Buffer.buffer(telemetry.scrape())), false);
    }
}
