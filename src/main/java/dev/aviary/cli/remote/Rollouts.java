package dev.aviary.cli.remote;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Where the CLI reads and steers rollouts: a cluster through a kubeconfig, or Aviary's REST API. Rollouts come back
 * as the status API shows them ({@code api.RolloutView} as JSON), whichever the backend, so {@code -o json} is the
 * same from both. Every method throws {@link Failure} with a one-line reason when it cannot do its part.
 */
public interface Rollouts extends AutoCloseable {

    /** Every rollout, or those of {@code namespace} when it is not null, sorted by namespace and name. */
    List<JsonNode> list(String namespace);

    /** One rollout; a {@link Failure} when there is no such rollout. */
    JsonNode get(RolloutRef rollout);

    /**
     * Ask for {@code action} (pause, resume, abort, promote, approve, restart); the daemon acts on its next tick.
     *
     * @return one line saying what was asked and by whom, when known
     */
    String request(RolloutRef rollout, String action);

    /** The namespace a bare NAME refers to (the kubeconfig context's), or null when the backend has none. */
    String defaultNamespace();

    @Override
    void close();
}
