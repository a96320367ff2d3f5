package dev.aviary.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aviary.rollout.CanaryRollout;
import dev.aviary.rollout.Phase;
import dev.aviary.rollout.RolloutSpec;
import dev.aviary.rollout.RolloutStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The control API asks the Kubernetes API who is calling (TokenReview) and whether they may patch that
 * CanaryRollout (SubjectAccessReview), against the fabric8 mock API server in CRUD mode that answers those two
 * reviews like a cluster with RBAC.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class RolloutControlAuthTest {

    static final String NS = "team-a";
    static final String NAME = "image-classifier";
    static final String PROMOTE = "/api/rollouts/" + NS + "/" + NAME + "/promote";
    static final String ALICE_TOKEN = "alice-token-7f3a9c";
    static final String BOB_TOKEN = "bob-token-1d2e3f";

    @KubernetesTestServer
    KubernetesServer server;

    ClusterIdentities cluster;

    @BeforeEach
    void cluster() {
        server.getKubernetesMockServer().clearExpectations();
        cluster = new ClusterIdentities(Map.of(
                ALICE_TOKEN, new ClusterIdentities.User("alice", List.of("team-a-operators", "system:authenticated"), NS),
                BOB_TOKEN, new ClusterIdentities.User("bob", List.of("system:authenticated"), "team-b")))
                .installOn(server.getKubernetesMockServer());
        var rollouts = server.getClient().resources(CanaryRollout.class).inNamespace(NS);
        rollouts.withName(NAME).delete();
        server.getClient().v1().events().inNamespace(NS).delete();
        CanaryRollout cr = new CanaryRollout();
        cr.setMetadata(new ObjectMetaBuilder().withName(NAME).withNamespace(NS).build());
        cr.setSpec(new RolloutSpec(NAME, "policies/image-classifier.yaml", "VirtualService/image-classifier"));
        cr.setStatus(new RolloutStatus(Phase.Progressing, 1, null, null, "h", null, null, null, 0, null, 30, null,
                "at step 2", null, null, Map.of(), List.of(), List.of(), null));
        rollouts.resource(cr).create();
    }

    @Test
    void withoutATokenTheAnswerIs401WithABearerChallengeAndNothingIsAsked() {
        given().post(PROMOTE).then().statusCode(401)
                .header("WWW-Authenticate", startsWith("Bearer"))
                .body("error", containsString("Authorization: Bearer"));
        given().header("Authorization", "Basic YWxpY2U6cHc=").post(PROMOTE).then().statusCode(401);
        given().header("Authorization", "Bearer ").post(PROMOTE).then().statusCode(401);
        assertEquals(List.of(), cluster.tokensReviewed, "no token, no TokenReview");
        assertNoRequest();
    }

    @Test
    void aTokenTheClusterDoesNotKnowIs401AndNeverEchoed() {
        String body = given().header("Authorization", "Bearer not-a-real-token-42").post(PROMOTE).then().statusCode(401)
                .header("WWW-Authenticate", containsString("invalid_token"))
                .body("error", containsString("did not accept the bearer token"))
                .extract().asString();
        assertTrue(!body.contains("not-a-real-token-42"), body);
        assertEquals(List.of("not-a-real-token-42"), cluster.tokensReviewed, "the token went to the TokenReview");
        assertEquals(List.of(), cluster.accessReviews, "nobody to authorize");
        assertNoRequest();
    }

    @Test
    void aUserRbacDoesNotAllowIs403NamingTheUserAndTheMissingRight() {
        String body = given().header("Authorization", "Bearer " + BOB_TOKEN).post(PROMOTE).then().statusCode(403)
                .body("error", containsString("user bob may not promote team-a/image-classifier"))
                .body("error", containsString("patch on canaryrollouts.aviary.dev \"image-classifier\" in namespace team-a"))
                .extract().asString();
        assertTrue(!body.contains(BOB_TOKEN), body);
        JsonNode review = single(cluster.accessReviews);
        assertEquals("bob", review.path("user").asText());
        assertEquals("uid-bob", review.path("uid").asText());
        assertEquals("system:authenticated", review.path("groups").path(0).asText());
        JsonNode attrs = review.path("resourceAttributes");
        assertEquals("patch", attrs.path("verb").asText());
        assertEquals("aviary.dev", attrs.path("group").asText());
        assertEquals("canaryrollouts", attrs.path("resource").asText());
        assertEquals(NS, attrs.path("namespace").asText());
        assertEquals(NAME, attrs.path("name").asText());
        assertNoRequest();
    }

    @Test
    void anAllowedUsersControlIsAcceptedAndRecordedWithTheirName() {
        given().header("Authorization", "Bearer " + ALICE_TOKEN).post(PROMOTE).then().statusCode(202)
                .body("requested", equalTo("promote")).body("requestedBy", equalTo("alice"))
                .body(not(containsString(ALICE_TOKEN)));
        JsonNode review = single(cluster.accessReviews);
        assertEquals("alice", review.path("user").asText());
        assertEquals(List.of("team-a-operators", "system:authenticated"),
                List.of(review.path("groups").path(0).asText(), review.path("groups").path(1).asText()));
        assertEquals(NAME, review.path("resourceAttributes").path("name").asText());

        Map<String, String> annotations = rollout().getMetadata().getAnnotations();
        assertEquals("promote", annotations.get(CanaryRollout.REQUEST_ANNOTATION));
        assertEquals("alice", annotations.get(dev.aviary.rollout.CanaryRollout.REQUESTED_BY_ANNOTATION));
        List<Event> events = server.getClient().v1().events().inNamespace(NS).list().getItems();
        assertEquals(1, events.size(), "one Event: " + events);
        Event e = events.get(0);
        assertEquals("CanaryRollout", e.getInvolvedObject().getKind());
        assertEquals(NAME, e.getInvolvedObject().getName());
        assertEquals("PromoteRequested", e.getReason());
        assertEquals("Normal", e.getType());
        assertTrue(e.getMessage().startsWith("alice asked to promote"), e.getMessage());
    }

    @Test
    void whenAviaryMayNotAskTheAnswerIs503SayingWhichRightIsMissingNever401Or202() {
        given().header("Authorization", "Bearer " + ClusterIdentities.REVIEW_FORBIDDEN_TOKEN).post(PROMOTE).then().statusCode(503)
                .body("error", containsString("HTTP 403"))
                .body("error", containsString("create on tokenreviews.authentication.k8s.io"))
                .body(not(containsString(ClusterIdentities.REVIEW_FORBIDDEN_TOKEN)));
        assertNoRequest();
    }

    @Test
    void malformedRequestsAreRefusedBeforeAnyReviewAndNotEchoed() {
        given().header("Authorization", "Bearer " + ALICE_TOKEN).post("/api/rollouts/" + NS + "/" + NAME + "/self-destruct")
                .then().statusCode(400).body("error", containsString("unknown action; one of"));
        given().header("Authorization", "Bearer " + ALICE_TOKEN).urlEncodingEnabled(false)
                .post("/api/rollouts/" + NS + "/Bad%0Aname/promote")
                .then().statusCode(400).body("error", not(containsString("\n"))).body("error", not(containsString("Bad")));
        assertEquals(List.of(), cluster.tokensReviewed);
        assertNoRequest();
    }

    @Test
    void approveIsAControlLikeTheOthersAndOnlyWhereAGateWaits() {
        String approve = "/api/rollouts/" + NS + "/" + NAME + "/approve";
        given().header("Authorization", "Bearer " + ALICE_TOKEN).post(approve).then().statusCode(409)
                .body("error", equalTo("team-a/image-classifier is not waiting for approval (Progressing at step 2); approve passes"
                        + " a pause step, promote skips the remaining analysis"));
        assertNoRequest();

        server.getClient().resources(CanaryRollout.class).inNamespace(NS).withName(NAME).edit(cr -> {
            RolloutStatus.Builder b = cr.getStatus().toBuilder();
            b.phase = Phase.AwaitingApproval;
            b.step = 2;
            cr.setStatus(b.build());
            return cr;
        });
        cluster.accessReviews.clear();
        given().header("Authorization", "Bearer " + BOB_TOKEN).post(approve).then().statusCode(403)
                .body("error", containsString("user bob may not approve team-a/image-classifier"));
        assertNoRequest();
        given().post(approve).then().statusCode(401);
        given().header("Authorization", "Bearer " + ALICE_TOKEN).post(approve).then().statusCode(202)
                .body("requested", equalTo("approve")).body("requestedBy", equalTo("alice"));
        Map<String, String> annotations = rollout().getMetadata().getAnnotations();
        assertEquals("approve", annotations.get(CanaryRollout.REQUEST_ANNOTATION));
        assertEquals("alice", annotations.get(CanaryRollout.REQUESTED_BY_ANNOTATION), "the daemon records who approved from this");
        Event e = server.getClient().v1().events().inNamespace(NS).list().getItems().get(0);
        assertEquals("ApproveRequested", e.getReason());
        assertTrue(e.getMessage().startsWith("alice asked to approve"), e.getMessage());
    }

    @Test
    void readingNeedsNoToken() {
        given().get("/api/rollouts/" + NS + "/" + NAME).then().statusCode(200).body("phase", equalTo("Progressing"));
    }

    private CanaryRollout rollout() {
        return server.getClient().resources(CanaryRollout.class).inNamespace(NS).withName(NAME).get();
    }

    /** No request was recorded, no Event written. */
    private void assertNoRequest() {
        Map<String, String> annotations = rollout().getMetadata().getAnnotations();
        assertNull(annotations == null ? null : annotations.get(CanaryRollout.REQUEST_ANNOTATION));
        assertEquals(List.of(), server.getClient().v1().events().inNamespace(NS).list().getItems());
    }

    private static JsonNode single(List<JsonNode> reviews) {
        assertEquals(1, reviews.size(), "one SubjectAccessReview: " + reviews);
        return reviews.get(0);
    }
}
