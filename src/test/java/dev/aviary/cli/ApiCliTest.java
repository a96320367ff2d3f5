package dev.aviary.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aviary.api.ClusterIdentities;
import dev.aviary.rollout.CanaryRollout;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code aviary status} and the controls against Aviary's real REST API ({@code --server}), which asks the cluster
 * (fabric8's mock API server answering TokenReviews and SubjectAccessReviews like RBAC) who holds the token.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class ApiCliTest {

    static final String ALICE_TOKEN = "alice-token-5c1e2b";
    static final String BOB_TOKEN = "bob-token-9a8b7c";

    @KubernetesTestServer
    KubernetesServer server;

    @TestHTTPResource("/")
    URL api;

    ClusterIdentities cluster;

    @BeforeEach
    void cluster() {
        server.getKubernetesMockServer().clearExpectations();
        cluster = new ClusterIdentities(Map.of(
                ALICE_TOKEN, new ClusterIdentities.User("alice", List.of("system:authenticated"), "team-a"),
                BOB_TOKEN, new ClusterIdentities.User("bob", List.of("system:authenticated"), "team-b")))
                .installOn(server.getKubernetesMockServer());
        server.getClient().resources(CanaryRollout.class).inAnyNamespace().delete();
        Rollout.create(server.getClient(), Rollout.progressing("team-a", "image-classifier"));
    }

    Run aviary(Map<String, String> env, String... args) {
        return Run.of(List.of(), env, args);
    }

    Run aviary(String... args) {
        return aviary(Map.of(), args);
    }

    String server() {
        return api.toString();
    }

    String annotation() {
        var annotations = Rollout.read(server.getClient(), "team-a", "image-classifier").getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(CanaryRollout.REQUEST_ANNOTATION);
    }

    @Test
    void statusReadsTheApiAndItsJsonIsTheApisAnswer() throws Exception {
        List<String> lines = aviary("status", "--server", server()).ok().lines().toList();
        assertEquals(2, lines.size(), lines.toString());
        assertEquals(List.of("team-a", "image-classifier", "VirtualService/image-classifier", "Progressing", "2", "30%", "ADVANCE"),
                List.of(lines.get(1).split("\\s+")).subList(0, 7));
        assertTrue(aviary("status", "--server", server(), "team-a/image-classifier").ok()
                .contains("errors         PASS          canary 5xx rate 1.03% vs 1.00%"));

        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server() + "api/rollouts")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        ObjectMapper json = new ObjectMapper();
        assertEquals(json.readTree(body), json.readTree(aviary("status", "--server", server(), "-o", "json").ok()));
        // AVIARY_SERVER stands for --server
        assertEquals(lines, aviary(Map.of("AVIARY_SERVER", server()), "status").ok().lines().toList());
        assertEquals("aviary status: no rollout team-a/nope at " + server().replaceAll("/$", "") + " (aviary status --server "
                + server().replaceAll("/$", "") + " lists them)", aviary("status", "--server", server(), "team-a/nope").failedWith(1));
    }

    @Test
    void aControlWithAnAllowedTokenIsRequestedInTheCallersName() {
        String said = aviary("pause", "--server", server(), "--token", ALICE_TOKEN, "team-a/image-classifier").ok();
        assertEquals("requested pause on team-a/image-classifier as alice; Aviary acts on its next tick\n", said);
        assertEquals("pause", annotation());
        assertEquals(List.of(ALICE_TOKEN), cluster.tokensReviewed, "the token went to the TokenReview");
        // a second, different request waits for the daemon, as the API says
        String refused = aviary(Map.of("AVIARY_TOKEN", ALICE_TOKEN), "resume", "--server", server(), "team-a/image-classifier")
                .failedWith(1);
        assertTrue(refused.startsWith("aviary resume: a 'pause' request is still pending on team-a/image-classifier"), refused);
    }

    @Test
    void refusalsSayWhatIsMissingAndNeverShowTheToken() {
        String noToken = aviary("abort", "--server", server(), "team-a/image-classifier").failedWith(1);
        assertEquals("aviary abort: a control through Aviary's API needs a Kubernetes bearer token allowed to patch"
                + " team-a/image-classifier: give --token or set AVIARY_TOKEN (e.g. from kubectl create token)", noToken);
        assertEquals(List.of(), cluster.tokensReviewed, "nothing was sent");

        String unknown = aviary("abort", "--server", server(), "--token", "stolen-token-0000", "team-a/image-classifier").failedWith(1);
        assertTrue(unknown.startsWith("aviary abort: Aviary's API at " + server().replaceAll("/$", "") + " did not accept the token (401)"),
                unknown);
        assertTrue(unknown.endsWith("give a valid Kubernetes token with --token or AVIARY_TOKEN"), unknown);
        assertFalse(unknown.contains("stolen-token-0000"), unknown);

        String forbidden = aviary(Map.of("AVIARY_TOKEN", BOB_TOKEN), "abort", "--server", server(), "team-a/image-classifier")
                .failedWith(1);
        assertTrue(forbidden.contains("refused (403): user bob may not abort team-a/image-classifier: that needs patch on"
                + " canaryrollouts.aviary.dev \"image-classifier\" in namespace team-a"), forbidden);
        assertFalse(forbidden.contains(BOB_TOKEN), forbidden);
        assertNull(annotation(), "nothing was requested");
    }

    @Test
    void anApiThatIsNotThereIsOneLine() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        assertEquals("aviary status: cannot reach Aviary's API at http://127.0.0.1:" + closed + ": connection refused",
                aviary("status", "--server", "http://127.0.0.1:" + closed + "/").failedWith(1));
        assertEquals("aviary pause: cannot reach Aviary's API at http://127.0.0.1:" + closed + ": connection refused",
                aviary("pause", "--server", "http://127.0.0.1:" + closed, "--token", ALICE_TOKEN, "team-a/image-classifier").failedWith(1));
    }
}
