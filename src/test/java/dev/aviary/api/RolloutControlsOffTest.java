package dev.aviary.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With aviary.api.controls.enabled=false the API takes no control at all, whoever asks; reading still works. */
@QuarkusTest
@TestProfile(RolloutControlsOffTest.ControlsOff.class)
@WithKubernetesTestServer(crud = true)
class RolloutControlsOffTest {

    public static class ControlsOff implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("aviary.api.controls.enabled", "false");
        }
    }

    @KubernetesTestServer
    KubernetesServer server;

    @Test
    void controlsAreRefusedWithoutAskingAnybody() {
        ClusterIdentities cluster = new ClusterIdentities(Map.of("alice-token",
                new ClusterIdentities.User("alice", List.of(), "team-a"))).installOn(server.getKubernetesMockServer());
        for (String action : List.of("promote", "abort", "pause")) {
            given().header("Authorization", "Bearer alice-token").post("/api/rollouts/team-a/image-classifier/" + action)
                    .then().statusCode(404)
                    .body("error", containsString("aviary.api.controls.enabled=false"))
                    .body("error", containsString("kubectl annotate canaryrollout -n team-a image-classifier aviary.dev/request=" + action));
        }
        assertEquals(List.of(), cluster.tokensReviewed, "a switched-off API asks nothing");
        given().get("/api/rollouts").then().statusCode(200);
    }
}
