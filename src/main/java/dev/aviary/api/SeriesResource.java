package dev.aviary.api;

import dev.aviary.rollout.CanaryRollout;
import dev.aviary.rollout.RolloutRepository;
import dev.aviary.series.Series;
import dev.aviary.series.SeriesRecorder;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * A rollout over time, for the status page's charts: every tick's weight, decision and evidence this daemon has seen,
 * after what the CanaryRollout's history recorded before. Reading needs no token, like the rest of the status API.
 */
@Path("/api/rollouts/{namespace}/{name}/series")
@Produces(MediaType.APPLICATION_JSON)
public class SeriesResource {

    private final RolloutRepository rollouts;
    private final SeriesRecorder series;

    public SeriesResource(RolloutRepository rollouts, SeriesRecorder series) {
        this.rollouts = rollouts;
        this.series = series;
    }

    @GET
    public Series series(@PathParam("namespace") String namespace, @PathParam("name") String name) {
        CanaryRollout cr = rollouts.get(namespace, name);
        if (cr == null) throw new NotFoundException("no rollout " + namespace + "/" + name);
        return series.series(namespace, name, cr.getStatus().history());
    }
}
