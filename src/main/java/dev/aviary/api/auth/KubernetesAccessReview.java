package dev.aviary.api.auth;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Asks the Kubernetes API: a TokenReview (authentication.k8s.io/v1) learns who holds the token, a
 * SubjectAccessReview (authorization.k8s.io/v1) whether they may {@code patch} that {@code canaryrollouts.aviary.dev}
 * object: exactly the right {@code kubectl annotate canaryrollout} needs.
 */
public final class KubernetesAccessReview implements AccessReview {

    public static final String GROUP = "aviary.dev";
    public static final String RESOURCE = "canaryrollouts";
    public static final String VERB = "patch";

    private final KubernetesClient client;

    public KubernetesAccessReview(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public Caller authenticate(String token) throws Unauthenticated, Unavailable {
        TokenReview review;
        try {
            review = client.authentication().v1().tokenReviews().create(new TokenReviewBuilder()
                    .withNewSpec().withToken(token).endSpec().build());
        } catch (KubernetesClientException e) {
            // the exception's message is the API server's; the request body (with the token) is not in it, but
            // only the status code is needed to say what to fix
            throw new Unavailable("cannot check the token with the Kubernetes API (TokenReview: " + status(e)
                    + "); Aviary needs create on tokenreviews.authentication.k8s.io (k8s/rbac.yaml)");
        }
        if (review == null || review.getStatus() == null || !Boolean.TRUE.equals(review.getStatus().getAuthenticated())) {
            throw new Unauthenticated("the Kubernetes API did not accept the bearer token");
        }
        UserInfo user = review.getStatus().getUser();
        if (user == null || user.getUsername() == null || user.getUsername().isBlank()) {
            throw new Unauthenticated("the Kubernetes API accepted the token but named no user");
        }
        return new Caller(user.getUsername(), user.getUid(), user.getGroups(), user.getExtra());
    }

    @Override
    public Verdict mayPatchRollout(Caller caller, String namespace, String name) throws Unavailable {
        SubjectAccessReview review;
        try {
            review = client.authorization().v1().subjectAccessReview().create(new SubjectAccessReviewBuilder()
                    .withNewSpec()
                    .withUser(caller.user()).withUid(caller.uid()).withGroups(caller.groups()).withExtra(caller.extra())
                    .withNewResourceAttributes()
                    .withGroup(GROUP).withResource(RESOURCE).withVerb(VERB).withNamespace(namespace).withName(name)
                    .endResourceAttributes()
                    .endSpec().build());
        } catch (KubernetesClientException e) {
            throw new Unavailable("cannot ask the Kubernetes API whether " + caller.user() + " may do this (SubjectAccessReview: "
                    + status(e) + "); Aviary needs create on subjectaccessreviews.authorization.k8s.io (k8s/rbac.yaml)");
        }
        SubjectAccessReviewStatus s = review == null ? null : review.getStatus();
        if (s == null) throw new Unavailable("the Kubernetes API answered the SubjectAccessReview without a status");
        String reason = s.getReason() == null ? "" : s.getReason();
        if (s.getEvaluationError() != null && !s.getEvaluationError().isBlank() && !Boolean.TRUE.equals(s.getAllowed())) {
            reason = reason.isEmpty() ? s.getEvaluationError() : reason + "; " + s.getEvaluationError();
        }
        return new Verdict(Boolean.TRUE.equals(s.getAllowed()) && !Boolean.TRUE.equals(s.getDenied()), reason);
    }

    private static String status(KubernetesClientException e) {
        return e.getCode() > 0 ? "HTTP " + e.getCode() : "no answer";
    }
}
