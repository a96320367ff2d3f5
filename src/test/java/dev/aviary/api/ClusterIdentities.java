package dev.aviary.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.utils.ResponseProvider;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * Answers TokenReviews and SubjectAccessReviews on a fabric8 mock API server as a cluster's authenticator and RBAC
 * would, for the tokens and grants it is given. In CRUD mode the mock would echo a review back unanswered, so these
 * two paths are expectations; everything else stays CRUD. Keeps every review it answered, for assertions.
 */
public final class ClusterIdentities {

    public static final String TOKEN_REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";
    public static final String ACCESS_REVIEWS = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
    /** A token whose review the API server refuses with 403, as when Aviary lacks the right to create TokenReviews. */
    public static final String REVIEW_FORBIDDEN_TOKEN = "review-forbidden";

    /** A user a token stands for, and the namespace where RBAC lets them patch CanaryRollouts (null: nowhere). */
    public record User(String name, List<String> groups, String mayPatchRolloutsIn) {}

    private final Map<String, User> byToken;
    private final ObjectMapper json = new ObjectMapper();
    /** The tokens sent for review, in order. */
    public final List<String> tokensReviewed = new CopyOnWriteArrayList<>();
    /** The SubjectAccessReviews' specs, in order. */
    public final List<JsonNode> accessReviews = new CopyOnWriteArrayList<>();

    public ClusterIdentities(Map<String, User> byToken) {
        this.byToken = Map.copyOf(byToken);
    }

    public ClusterIdentities installOn(KubernetesMockServer server) {
        server.expect().post().withPath(TOKEN_REVIEWS).andReply(reply(this::tokenReview)).always();
        server.expect().post().withPath(ACCESS_REVIEWS).andReply(reply(this::accessReview)).always();
        return this;
    }

    private Answer tokenReview(JsonNode review) {
        String token = review.path("spec").path("token").asText();
        tokensReviewed.add(token);
        if (token.equals(REVIEW_FORBIDDEN_TOKEN)) {
            return new Answer(403, json.createObjectNode().put("kind", "Status").put("apiVersion", "v1").put("status", "Failure")
                    .put("reason", "Forbidden").put("code", 403)
                    .put("message", "tokenreviews.authentication.k8s.io is forbidden: User \"system:serviceaccount:aviary-system:aviary\" cannot create"));
        }
        ObjectNode answer = ((ObjectNode) review.deepCopy());
        ObjectNode status = answer.putObject("status");
        User user = byToken.get(token);
        status.put("authenticated", user != null);
        if (user != null) {
            ObjectNode u = status.putObject("user").put("username", user.name()).put("uid", "uid-" + user.name());
            user.groups().forEach(u.putArray("groups")::add);
        } else {
            status.put("error", "invalid bearer token");
        }
        return new Answer(201, answer);
    }

    private Answer accessReview(JsonNode review) {
        JsonNode spec = review.path("spec");
        accessReviews.add(spec);
        JsonNode attrs = spec.path("resourceAttributes");
        User user = byToken.values().stream().filter(u -> u.name().equals(spec.path("user").asText())).findFirst().orElse(null);
        boolean allowed = user != null && user.mayPatchRolloutsIn() != null
                && attrs.path("verb").asText().equals("patch") && attrs.path("group").asText().equals("aviary.dev")
                && attrs.path("resource").asText().equals("canaryrollouts")
                && attrs.path("namespace").asText().equals(user.mayPatchRolloutsIn());
        ObjectNode answer = ((ObjectNode) review.deepCopy());
        answer.putObject("status").put("allowed", allowed).put("reason", allowed ? "RBAC: allowed by RoleBinding rollout-operators"
                : "");
        return new Answer(201, answer);
    }

    private record Answer(int status, JsonNode body) {}

    private ResponseProvider<Object> reply(Function<JsonNode, Answer> answer) {
        return new ResponseProvider<>() {
            private Headers headers = Headers.builder().build();
            // status and body are asked for separately: answer (and record) each request once
            private final Map<RecordedRequest, Answer> answered = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

            private Answer of(RecordedRequest request) {
                return answered.computeIfAbsent(request, r -> {
                    try {
                        return answer.apply(json.readTree(r.getUtf8Body()));
                    } catch (java.io.IOException e) {
                        return new Answer(400, json.createObjectNode().put("message", "not JSON"));
                    }
                });
            }

            @Override
            public int getStatusCode(RecordedRequest request) {
                return of(request).status();
            }

            @Override
            public Object getBody(RecordedRequest request) {
                return of(request).body().toString();
            }

            @Override
            public Headers getHeaders() {
                return headers;
            }

            @Override
            public void setHeaders(Headers h) {
                headers = h;
            }
        };
    }
}
