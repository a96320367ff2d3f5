package dev.aviary.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** The controls this Aviary takes, so the status page shows a button for each action the API knows, and no other. */
@Path("/api/controls")
@Produces(MediaType.APPLICATION_JSON)
public class ControlsResource {

    /** @param enabled false when the API's controls are switched off (only {@code kubectl annotate} steers) */
    public record Controls(boolean enabled, List<String> actions) {}

    private final ControlsConfig config;

    public ControlsResource(ControlsConfig config) {
        this.config = config;
    }

    @GET
    public Controls controls() {
        return new Controls(config.enabled(), RolloutResource.ACTIONS.stream().sorted().toList());
    }
}
