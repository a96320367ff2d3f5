package dev.aviary.api;

import dev.aviary.api.auth.Caller;
import dev.aviary.notify.kubernetes.KubernetesEvents;
import dev.aviary.policy.PolicyStore;
import dev.aviary.rollout.CanaryRollout;
import dev.aviary.rollout.Phase;
import dev.aviary.rollout.RolloutRepository;
import dev.aviary.series.SeriesRecorder;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Where rollouts stand, and the controls a person may use. Controls go through the CanaryRollout, only for callers
 * the Kubernetes API allows to patch it ({@link ControlGate}), and each names who asked.
 */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class RolloutResource {

    static final Set<String> ACTIONS = Set.of("pause", "resume", "abort", "promote", "restart", "approve");
    private static final Logger LOG = Logger.getLogger(RolloutResource.class);
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

    private final RolloutRepository rollouts;
    private final PolicyStore policies;
    private final ControlGate gate;
    private final KubernetesEvents events;
    private final SeriesRecorder series;

    public RolloutResource(RolloutRepository rollouts, PolicyStore policies, ControlGate gate, KubernetesEvents events,
            SeriesRecorder series) {
        this.rollouts = rollouts;
        this.policies = policies;
        this.gate = gate;
        this.events = events;
        this.series = series;
    }

    @GET
    @Path("/rollouts")
    public List<RolloutView> list() {
        return rollouts.list().stream().map(RolloutView::of)
                .sorted(Comparator.comparing(RolloutView::namespace).thenComparing(RolloutView::name)).toList();
    }

    @GET
    @Path("/rollouts/{namespace}/{name}")
    public RolloutView get(@PathParam("namespace") String namespace, @PathParam("name") String name) {
        CanaryRollout cr = rollouts.get(namespace, name);
        if (cr == null) throw new NotFoundException("no rollout " + namespace + "/" + name);
        return RolloutView.of(cr);
    }

    /**
     * Ask for pause, resume, abort, promote, restart or approve, with a Kubernetes bearer token; the daemon acts on its
     * next tick. The request is recorded with the caller's name (annotation and Event). An approve when no pause step
     * waits is refused (409) rather than recorded: it would be ignored.
     */
    @POST
    @Path("/rollouts/{namespace}/{name}/{action}")
    public Response control(@PathParam("namespace") String namespace, @PathParam("name") String name,
            @PathParam("action") String action, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        if (!ACTIONS.contains(action)) throw badRequest("unknown action; one of " + ACTIONS);
        if (!NAMESPACE.matcher(namespace).matches() || !NAME.matcher(name).matches()) {
            throw badRequest("not a CanaryRollout's namespace and name (lower-case letters, digits, '-' and '.')");
        }
        Caller caller = gate.admit(authorization, namespace, name, action);
        for (int attempt = 0; attempt < 5; attempt++) {
            CanaryRollout cr = rollouts.get(namespace, name);
            if (cr == null) throw new NotFoundException("no rollout " + namespace + "/" + name);
            if (action.equals("approve") && (cr.getStatus() == null || cr.getStatus().phase() != Phase.AwaitingApproval)) {
                return Response.status(409).entity(Map.of("error", namespace + "/" + name + " is not waiting for approval ("
                        + (cr.getStatus() == null ? "not started" : cr.getStatus().phase() + " at step " + (cr.getStatus().step() + 1))
                        + "); approve passes a pause step, promote skips the remaining analysis")).build();
            }
            Map<String, String> annotations = new HashMap<>(cr.getMetadata().getAnnotations() == null ? Map.of()
                    : cr.getMetadata().getAnnotations());
            String pending = annotations.get(CanaryRollout.REQUEST_ANNOTATION);
            if (pending != null && !pending.equals(action)) {
                // one request at a time: a resume must not silently replace an abort the daemon has not seen yet
                return Response.status(409).entity(Map.of("error", "a '" + pending + "' request is still pending on "
                        + namespace + "/" + name + "; try again after the next tick")).build();
            }
            annotations.put(CanaryRollout.REQUEST_ANNOTATION, action);
            annotations.put(CanaryRollout.REQUESTED_BY_ANNOTATION, caller.user());
            cr.getMetadata().setAnnotations(annotations);
            try {
                rollouts.update(cr);
            } catch (dev.aviary.rollout.RolloutConflict e) {
                continue; // the daemon wrote in between: read again and retry
            }
            recordRequest(namespace, name, action, caller);
            series.requested(namespace, name, action, caller.user()); // who ordered what, for the status page
            return Response.accepted(Map.of("requested", action, "rollout", namespace + "/" + name, "requestedBy", caller.user()))
                    .build();
        }
        return Response.status(409).entity(Map.of("error", "the rollout kept changing; try again")).build();
    }

    private static WebApplicationException badRequest(String message) {
        return new WebApplicationException(Response.status(400).entity(Map.of("error", message)).type(MediaType.APPLICATION_JSON).build());
    }

    /** The Event that tells {@code kubectl describe canaryrollout} who asked; the annotation already holds the request. */
    private void recordRequest(String namespace, String name, String action, Caller caller) {
        try {
            events.record(namespace, name, Character.toUpperCase(action.charAt(0)) + action.substring(1).toLowerCase(Locale.ROOT)
                    + "Requested", false, caller.user() + " asked to " + action + " through the Aviary API; Aviary acts on its next tick");
        } catch (KubernetesClientException e) {
            LOG.warnf("%s's %s request on %s/%s is recorded on the CanaryRollout, but its Event was not (HTTP %d)",
                    caller.user(), action, namespace, name, e.getCode());
        }
    }

    @GET
    @Path("/policies")
    public Map<String, Object> policies() {
        return Map.of(
                "active", policies.active().stream().map(p -> Map.of("policy", p.key(), "file", String.valueOf(p.source()),
                        "hash", p.hash())).toList(),
                "rejected", policies.rejected().entrySet().stream().map(e -> Map.of("file", e.getKey().toString(),
                        "problems", e.getValue().stream().map(Object::toString).toList())).toList());
    }
}
