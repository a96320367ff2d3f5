package dev.aviary.cli.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aviary.api.RolloutView;
import dev.aviary.rollout.CanaryRollout;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rollouts read and steered through the Kubernetes API with the caller's own kubeconfig: a control is exactly
 * {@code kubectl annotate canaryrollout ... aviary.dev/request=ACTION}, written as a resourceVersion-guarded update
 * under the same rule as the API's: one pending request at a time.
 */
public final class ClusterRollouts implements Rollouts {

    /** Updates retried when the daemon writes the CanaryRollout in between. */
    private static final int ATTEMPTS = 5;

    private final KubernetesClient client;
    private final String where;
    private final ObjectMapper json = new ObjectMapper();

    /** @param where the API server and the context, for error lines */
    ClusterRollouts(Config config, String where) {
        // a person waits for the answer: fail in seconds and say why, rather than retry with backoff
        config.setConnectionTimeout(5_000);
        config.setRequestTimeout(15_000);
        config.setRequestRetryBackoffLimit(0);
        this.client = new KubernetesClientBuilder().withConfig(config).build();
        this.where = where;
    }

    @Override
    public List<JsonNode> list(String namespace) {
        List<CanaryRollout> items;
        try {
            var rollouts = client.resources(CanaryRollout.class);
            items = (namespace == null ? rollouts.inAnyNamespace() : rollouts.inNamespace(namespace)).list().getItems();
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                throw Failure.failed("the cluster at " + where + " has no CanaryRollout resource: install it with"
                        + " kubectl apply -f k8s/canaryrollout.crd.yaml");
            }
            throw failure(e, "list canaryrollouts");
        }
        return items.stream().filter(cr -> cr.getStatus() != null && cr.getSpec() != null)
                .sorted(Comparator.comparing((CanaryRollout cr) -> cr.getMetadata().getNamespace())
                        .thenComparing(cr -> cr.getMetadata().getName()))
                .map(this::view).toList();
    }

    @Override
    public JsonNode get(RolloutRef rollout) {
        return view(read(rollout));
    }

    @Override
    public String request(RolloutRef rollout, String action) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            CanaryRollout cr = read(rollout);
            Map<String, String> annotations = new HashMap<>(cr.getMetadata().getAnnotations() == null ? Map.of()
                    : cr.getMetadata().getAnnotations());
            String pending = annotations.get(CanaryRollout.REQUEST_ANNOTATION);
            if (action.equals(pending)) return action + " was already requested on " + rollout + "; Aviary acts on its next tick";
            if (pending != null) {
                // the API's rule: a resume must not silently replace an abort the daemon has not seen yet
                throw Failure.failed("a '" + pending + "' request is still pending on " + rollout + "; try again after Aviary's next tick");
            }
            annotations.put(CanaryRollout.REQUEST_ANNOTATION, action);
            cr.getMetadata().setAnnotations(annotations);
            try {
                client.resources(CanaryRollout.class).inNamespace(rollout.namespace()).resource(cr).update();
                return "requested " + action + " on " + rollout + " (annotation " + CanaryRollout.REQUEST_ANNOTATION + "=" + action
                        + "); Aviary acts on its next tick";
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) throw failure(e, "update canaryrollout " + rollout);
                // the daemon wrote in between: read again
            }
        }
        throw Failure.failed(rollout + " kept changing while the request was written; try again");
    }

    @Override
    public String defaultNamespace() {
        return client.getNamespace();
    }

    @Override
    public void close() {
        client.close();
    }

    private CanaryRollout read(RolloutRef rollout) {
        CanaryRollout cr;
        try {
            cr = client.resources(CanaryRollout.class).inNamespace(rollout.namespace()).withName(rollout.name()).get();
        } catch (KubernetesClientException e) {
            throw failure(e, "get canaryrollout " + rollout);
        }
        if (cr == null) throw Failure.failed("no rollout " + rollout + " (aviary status lists them)");
        if (cr.getStatus() == null || cr.getSpec() == null) throw Failure.failed(rollout + " has no status yet: Aviary has not ticked it");
        return cr;
    }

    private JsonNode view(CanaryRollout cr) {
        return json.valueToTree(RolloutView.of(cr));
    }

    private Failure failure(KubernetesClientException e, String what) {
        int code = e.getCode();
        String said = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : null;
        if (code == HttpURLConnection.HTTP_UNAUTHORIZED) {
            return Failure.failed("the Kubernetes API at " + where + " did not accept the kubeconfig's credentials (401): log in"
                    + " again or choose another --context");
        }
        if (code == HttpURLConnection.HTTP_FORBIDDEN) {
            return Failure.failed("the Kubernetes API at " + where + " refused to " + what + " (403): "
                    + (said == null ? "ask for that right" : said));
        }
        if (code > 0) return Failure.failed("the Kubernetes API at " + where + " answered " + code + " to " + what
                + (said == null ? "" : ": " + said));
        return Failure.failed("cannot reach the Kubernetes API at " + where + ": " + Reachability.cause(e)
                + "; is the cluster up, and is this the right --context?");
    }
}
