package dev.aviary.rollout;

import dev.aviary.policy.Policy;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Where one policy's rollout stands: the only place Aviary keeps state, so a restarted daemon continues exactly
 * where it stopped. Kept off the target on purpose: KServe turns InferenceService annotations into new
 * revisions, and GitOps tools revert fields they did not write. The CRD (k8s/canaryrollout.crd.yaml) declares no
 * status subresource, so spec and status are written together in one resourceVersion-guarded update that also
 * fences a second writer.
 */
@Group("aviary.dev")
@Version("v1")
@Kind("CanaryRollout")
@Plural("canaryrollouts")
@Singular("canaryrollout")
@ShortNames("cr")
public class CanaryRollout extends CustomResource<RolloutSpec, RolloutStatus> implements Namespaced {

    /** Humans ask for pause / resume / abort / promote / restart / approve by setting this annotation; Aviary clears it. */
    public static final String REQUEST_ANNOTATION = "aviary.dev/request";
    /** Who asked through the REST API (set next to the request, cleared with it, so it never names a stale caller). */
    public static final String REQUESTED_BY_ANNOTATION = "aviary.dev/requested-by";

    /** The command a person runs to make a request (pause, resume, abort, promote, restart, approve) of this policy's rollout. */
    public static String requestCommand(Policy policy, String request) {
        return "kubectl annotate canaryrollout -n " + policy.namespace() + " " + policy.name() + " " + REQUEST_ANNOTATION + "="
                + request + " --overwrite";
    }
}
