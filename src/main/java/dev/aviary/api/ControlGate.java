package dev.aviary.api;

import dev.aviary.api.auth.AccessReview;
import dev.aviary.api.auth.BearerToken;
import dev.aviary.api.auth.Caller;
import dev.aviary.api.auth.KubernetesAccessReview;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/**
 * Lets a control through only for a caller the Kubernetes API knows and allows to patch that CanaryRollout; answers
 * 404 (controls switched off), 401 (no or invalid token), 403 (not allowed) or 503 (cannot ask) otherwise. The
 * token is used for the TokenReview and dropped: it appears in no answer and no log line.
 */
@ApplicationScoped
public class ControlGate {

    private final ControlsConfig config;
    private final AccessReview access;

    public ControlGate(ControlsConfig config, AccessReview access) {
        this.config = config;
        this.access = access;
    }

    /** The caller, when they may act on {@code namespace/name}; otherwise throws the answer to send. */
    public Caller admit(String authorization, String namespace, String name, String action) {
        if (!config.enabled()) {
            throw refuse(404, "controls are switched off on this Aviary (aviary.api.controls.enabled=false); ask with"
                    + " kubectl annotate canaryrollout -n " + namespace + " " + name + " aviary.dev/request=" + action + " --overwrite", null);
        }
        String token = BearerToken.parse(authorization).orElseThrow(() -> refuse(401,
                "send a Kubernetes token: Authorization: Bearer <token> (e.g. from kubectl create token, or your kubeconfig)",
                "Bearer realm=\"aviary\""));
        Caller caller;
        try {
            caller = access.authenticate(token);
        } catch (AccessReview.Unauthenticated e) {
            throw refuse(401, e.getMessage(), "Bearer realm=\"aviary\", error=\"invalid_token\"");
        } catch (AccessReview.Unavailable e) {
            throw refuse(503, e.getMessage(), null);
        }
        AccessReview.Verdict verdict;
        try {
            verdict = access.mayPatchRollout(caller, namespace, name);
        } catch (AccessReview.Unavailable e) {
            throw refuse(503, e.getMessage(), null);
        }
        if (!verdict.allowed()) {
            throw refuse(403, "user " + caller.user() + " may not " + action + " " + namespace + "/" + name + ": that needs "
                    + KubernetesAccessReview.VERB + " on " + KubernetesAccessReview.RESOURCE + "." + KubernetesAccessReview.GROUP
                    + " \"" + name + "\" in namespace " + namespace
                    + (verdict.reason().isBlank() ? "" : " (" + verdict.reason().replaceAll("\\p{Cntrl}", " ").strip() + ")"), null);
        }
        return caller;
    }

    private static WebApplicationException refuse(int status, String message, String challenge) {
        Response.ResponseBuilder r = Response.status(status).entity(Map.of("error", message)).type(MediaType.APPLICATION_JSON);
        if (challenge != null) r.header(HttpHeaders.WWW_AUTHENTICATE, challenge);
        return new WebApplicationException(r.build());
    }
}
