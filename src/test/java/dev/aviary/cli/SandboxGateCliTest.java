package dev.aviary.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI steers a sandbox rollout end to end through a manual gate, as a person would from a second shell: the
 * tutorial's objects and policy with a {@code pause: {}} after the 30% step are rehearsed by {@code aviary sandbox};
 * {@code aviary status --sandbox} sees the rollout wait at the gate with its weights held, {@code aviary approve
 * --sandbox} passes it, and the rollout goes on to promotion.
 */
@QuarkusMainTest
class SandboxGateCliTest {

    private static final Path TUTORIAL = Path.of("src/test/resources/tutorial");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROLLOUT = "default/image-classifier";

    @Test
    void aRolloutWaitsAtItsGateUntilTheCliApprovesItThenIsPromoted(QuarkusMainLauncher launcher, @TempDir Path tmp) throws Exception {
        Path policies = Files.createDirectories(tmp.resolve("policies"));
        String policy = Files.readString(TUTORIAL.resolve("policies/image-classifier.yaml"));
        String gated = policy.replace("    - weight: 50\n", "    - pause: {}\n    - weight: 50\n");
        assertTrue(gated.contains("pause: {}"), "the tutorial policy has a 50% step to put the gate before");
        Files.writeString(policies.resolve("image-classifier.yaml"), gated);

        CompletableFuture<List<String>> operator = CompletableFuture.supplyAsync(this::waitAtTheGateThenApprove);
        LaunchResult r = launcher.launch("sandbox", "--manifests", TUTORIAL.resolve("manifests").toString(), "--policies",
                policies.toString(), "--scenario", "good", "--dump", tmp.resolve("dump").toString());
        List<String> seen = operator.get(10, TimeUnit.SECONDS);
        String out = r.getOutput();
        assertEquals(0, r.exitCode(), out + r.getErrorOutput() + "\noperator saw: " + seen);
        assertTrue(out.contains("as expected (good)"), out);
        assertTrue(out.contains("waits for approval"), out);
        assertTrue(out.contains("APPROVE"), out);
        assertTrue(out.indexOf("APPROVE") < out.indexOf("PROMOTE"), "approved, then promoted: " + out);
        assertTrue(seen.contains("approved"), "the operator approved: " + seen);
    }

    /**
     * The second shell: polls {@code status --sandbox -o json} until the rollout waits at the gate, checks it keeps
     * waiting with the weights held, approves, and says what it saw.
     */
    private List<String> waitAtTheGateThenApprove() {
        List<String> seen = new ArrayList<>();
        Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
        JsonNode waiting = null;
        while (Instant.now().isBefore(deadline)) {
            JsonNode r = rollout();
            if (r != null && "AwaitingApproval".equals(r.path("phase").asText())) {
                if (waiting == null) {
                    waiting = r;
                    seen.add("waiting at weight " + r.path("canaryWeight").asInt());
                    pause(Duration.ofSeconds(4)); // 20 s of policy time at the sandbox's 5x: nothing moves without a person
                    continue;
                }
                assertEquals("AwaitingApproval", r.path("phase").asText(), "still waiting");
                assertEquals(waiting.path("canaryWeight").asInt(), r.path("canaryWeight").asInt(), "the gate holds the weights");
                assertEquals(30, r.path("canaryWeight").asInt(), "the weights of the step before the gate");
                Run approve = Run.of(List.of(), System.getenv(), "approve", "--sandbox", ROLLOUT);
                assertEquals(0, approve.exitCode(), approve.toString());
                seen.add("approved");
                return seen;
            }
            pause(Duration.ofMillis(500));
        }
        seen.add("never saw the gate");
        return seen;
    }

    private static JsonNode rollout() {
        Run status = Run.of(List.of(), System.getenv(), "status", "--sandbox", "-o", "json");
        if (status.exitCode() != 0) return null; // the sandbox is still starting
        try {
            for (JsonNode r : JSON.readTree(status.out())) {
                if ((r.path("namespace").asText() + "/" + r.path("name").asText()).equals(ROLLOUT)) return r;
            }
        } catch (IOException e) {
            throw new AssertionError("status -o json printed no JSON: " + status.out(), e);
        }
        return null;
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
