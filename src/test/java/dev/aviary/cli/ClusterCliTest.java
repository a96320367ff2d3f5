package dev.aviary.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aviary.cli.remote.SandboxKubeconfig;
import dev.aviary.rollout.CanaryRollout;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code aviary status} and the controls against a Kubernetes API (fabric8's mock server in CRUD mode) reached through
 * a kubeconfig, as a person runs them: before Quarkus, with the one-line errors and exit codes they promise.
 */
class ClusterCliTest {

    static KubernetesMockServer server;
    static KubernetesClient client;

    @TempDir
    Path tmp;
    Path kubeconfig;
    /** A HOME without a ~/.kube/config, so nothing of the machine's leaks in. */
    Map<String, String> env;

    @BeforeAll
    static void apiServer() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        client = server.createClient();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.destroy();
    }

    @BeforeEach
    void rollouts() throws IOException {
        client.resources(CanaryRollout.class).inAnyNamespace().delete();
        Rollout.create(client, Rollout.progressing("team-a", "image-classifier"));
        Rollout.create(client, Rollout.progressing("payments", "fraud-detector"));
        kubeconfig = tmp.resolve("kubeconfig");
        SandboxKubeconfig.write(kubeconfig, client.getConfiguration().getMasterUrl());
        env = Map.of("HOME", tmp.toString(), "TMPDIR", tmp.resolve("no-sandbox").toString());
    }

    Run aviary(String... args) {
        return Run.of(List.of(), env, args);
    }

    @Test
    void statusPrintsATableOfEveryRolloutSortedWithOneBasedSteps() {
        List<String> lines = aviary("status", "--kubeconfig", kubeconfig.toString()).ok().lines().toList();
        assertEquals(3, lines.size(), lines.toString());
        assertEquals(List.of("NAMESPACE", "NAME", "TARGET", "PHASE", "STEP", "CANARY", "LAST-DECISION", "MESSAGE"),
                List.of(lines.get(0).split("\\s+")));
        assertEquals(List.of("payments", "fraud-detector", "VirtualService/fraud-detector", "Progressing", "2", "30%", "ADVANCE",
                "every"), List.of(lines.get(1).split("\\s+")).subList(0, 8));
        assertTrue(lines.get(2).startsWith("team-a "), lines.get(2));
        assertTrue(lines.get(2).endsWith("every check passed at step 1: moving to step 2 (weight 30)"), lines.get(2));
        // the columns line up
        assertEquals(lines.get(0).indexOf("MESSAGE"), lines.get(2).indexOf("every check"));

        List<String> one = aviary("status", "--kubeconfig", kubeconfig.toString(), "-n", "payments").ok().lines().toList();
        assertEquals(2, one.size(), one.toString());
        assertTrue(one.get(1).startsWith("payments "), one.toString());
    }

    @Test
    void statusOfOneRolloutShowsItsVerdictsWithTheirNumbersAndItsHistory() {
        String out = aviary("status", "--kubeconfig", kubeconfig.toString(), "team-a/image-classifier").ok();
        assertTrue(out.contains("Rollout:  team-a/image-classifier\n"), out);
        assertTrue(out.contains("Phase:    Progressing, step 2, canary 30% (step since 2026-12-06T20:01:00Z)"), out);
        assertTrue(out.contains("errors         PASS          canary 5xx rate 1.03% vs 1.00%, ratio <= 1.46 with 99% confidence"), out);
        assertTrue(out.contains("baseline 200/20000, canary 82/8000 bad · estimate 1.025 [0.7100, 1.460] · e-value 0.03400"), out);
        assertTrue(out.contains("2026-12-06T20:00:00Z     START     step 1     0%  mirror 100"), out);
        assertTrue(out.contains("2026-12-06T20:01:00Z     ADVANCE   step 2    30%  moving to step 2 (weight 30)"), out);
        // NAME alone is in -n's namespace
        assertEquals(out, aviary("status", "--kubeconfig", kubeconfig.toString(), "-n", "team-a", "image-classifier").ok());
    }

    @Test
    void jsonIsWhatTheStatusApiShows() throws IOException {
        JsonNode all = new ObjectMapper().readTree(aviary("status", "--kubeconfig", kubeconfig.toString(), "-o", "json").ok());
        assertEquals(2, all.size());
        JsonNode first = all.get(0);
        assertEquals("payments", first.path("namespace").asText());
        assertEquals(2, first.path("step").asInt(), "1-based, as GET /api/rollouts");
        assertEquals("PASS", first.path("checks").path(0).path("outcome").asText());
        assertEquals(82, first.path("checks").path(0).path("evidence").path("canaryBad").asInt());
        JsonNode one = new ObjectMapper().readTree(aviary("status", "--kubeconfig", kubeconfig.toString(), "-o", "json",
                "team-a/image-classifier").ok());
        assertEquals("image-classifier", one.path("name").asText());
        assertEquals(2, one.path("history").size());
    }

    @Test
    void aControlSetsTheRequestAnnotationWithAGuardedUpdateAndOneRequestWaitsForTheOther() {
        String before = Rollout.read(client, "team-a", "image-classifier").getMetadata().getResourceVersion();
        String said = aviary("pause", "--kubeconfig", kubeconfig.toString(), "team-a/image-classifier").ok();
        assertEquals("requested pause on team-a/image-classifier (annotation aviary.dev/request=pause); Aviary acts on its next tick\n", said);
        CanaryRollout after = Rollout.read(client, "team-a", "image-classifier");
        assertEquals("pause", after.getMetadata().getAnnotations().get(CanaryRollout.REQUEST_ANNOTATION));
        assertTrue(!before.equals(after.getMetadata().getResourceVersion()), "written");
        assertEquals(30, after.getStatus().canaryWeight(), "the status is left as it was");

        // the same request again changes nothing; another is refused until the daemon has taken the first
        assertTrue(aviary("pause", "--kubeconfig", kubeconfig.toString(), "team-a/image-classifier").ok()
                .startsWith("pause was already requested on team-a/image-classifier"));
        String refused = aviary("resume", "--kubeconfig", kubeconfig.toString(), "team-a/image-classifier").failedWith(1);
        assertEquals("aviary resume: a 'pause' request is still pending on team-a/image-classifier; try again after Aviary's next tick",
                refused);
        assertEquals("pause", Rollout.read(client, "team-a", "image-classifier").getMetadata().getAnnotations()
                .get(CanaryRollout.REQUEST_ANNOTATION));

        // NAME alone with -n; the other rollout is untouched
        aviary("abort", "--kubeconfig", kubeconfig.toString(), "-n", "payments", "fraud-detector").ok();
        assertEquals("abort", Rollout.read(client, "payments", "fraud-detector").getMetadata().getAnnotations()
                .get(CanaryRollout.REQUEST_ANNOTATION));
    }

    @Test
    void aBareNameIsInTheContextsNamespace() {
        // the sandbox's kubeconfig sets namespace default; there is no default/fraud-detector
        assertEquals("aviary resume: no rollout default/fraud-detector (aviary status lists them)",
                aviary("resume", "--kubeconfig", kubeconfig.toString(), "fraud-detector").failedWith(1));
    }

    @Test
    void sandboxFindsTheKubeconfigARunningSandboxWrote() throws IOException {
        Map<String, String> sandboxEnv = Map.of("HOME", tmp.toString(), "TMPDIR", tmp.toString());
        String missing = Run.of(List.of(), sandboxEnv, "status", "--sandbox").failedWith(1);
        assertEquals("aviary status: no running sandbox: " + tmp.resolve("aviary-sandbox/kubeconfig") + " does not exist; start one"
                + " with ./aviary demo (or ./aviary sandbox) in another shell", missing);
        SandboxKubeconfig.write(SandboxKubeconfig.path(sandboxEnv), client.getConfiguration().getMasterUrl());
        assertEquals(3, Run.of(List.of(), sandboxEnv, "status", "--sandbox").ok().lines().count());
        Run.of(List.of(), sandboxEnv, "promote", "--sandbox", "payments/fraud-detector").ok();
        assertEquals("promote", Rollout.read(client, "payments", "fraud-detector").getMetadata().getAnnotations()
                .get(CanaryRollout.REQUEST_ANNOTATION));
        // KUBECONFIG is read like kubectl reads it
        assertEquals(3, Run.of(List.of(), Map.of("HOME", tmp.toString(), "KUBECONFIG", "/nowhere:" + kubeconfig), "status").ok()
                .lines().count());
    }

    @Test
    void nothingReachableIsOneLineThatSaysWhatToFix() throws IOException {
        assertEquals("aviary status: no kubeconfig: " + tmp.resolve(".kube/config") + " does not exist and KUBECONFIG is not set;"
                + " give --kubeconfig FILE, --server URL (Aviary's API) or --sandbox (a running ./aviary demo)",
                aviary("status").failedWith(1));
        assertEquals("aviary status: --kubeconfig " + tmp.resolve("nope") + " does not exist",
                aviary("status", "--kubeconfig", tmp.resolve("nope").toString()).failedWith(1));
        assertEquals("aviary pause: no context 'prod' in kubeconfig " + kubeconfig + "; its contexts: aviary-sandbox",
                aviary("pause", "--kubeconfig", kubeconfig.toString(), "--context", "prod", "team-a/image-classifier").failedWith(1));

        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        Path refused = tmp.resolve("refused");
        SandboxKubeconfig.write(refused, "http://127.0.0.1:" + closed);
        String line = aviary("status", "--kubeconfig", refused.toString()).failedWith(1);
        assertEquals("aviary status: cannot reach the Kubernetes API at http://127.0.0.1:" + closed + "/ (context aviary-sandbox of "
                + refused + "): connection refused; is the cluster up, and is this the right --context?", line);

        assertEquals("aviary status: no rollout team-a/nope (aviary status lists them)",
                aviary("status", "--kubeconfig", kubeconfig.toString(), "team-a/nope").failedWith(1));
        assertNull(Rollout.read(client, "team-a", "nope"));
    }

    @Test
    void aCommandLineItCannotTakeIsOneLineAndExit2() {
        assertEquals("aviary pause: Missing required parameter: 'NS/NAME' (aviary pause --help)", aviary("pause").failedWith(2));
        assertEquals("aviary pause: 'team-a/Image_Classifier' is not NAMESPACE/NAME of a CanaryRollout (lower-case letters, digits,"
                + " '-' and '.')", aviary("pause", "--kubeconfig", kubeconfig.toString(), "team-a/Image_Classifier").failedWith(2));
        assertEquals("aviary status: Invalid value for option '--output': expected one of [table, json] (case-sensitive) but was"
                + " 'yaml' (aviary status --help)", aviary("status", "-o", "yaml").failedWith(2));
        assertEquals("aviary status: --server asks Aviary's API, --kubeconfig, --context and --sandbox the cluster: give one or the"
                + " other", aviary("status", "--server", "http://127.0.0.1:1", "--sandbox").failedWith(2));
        assertEquals("aviary status: --server wants Aviary's http(s) address, such as http://aviary.aviary-system, not 'aviary:8080'",
                aviary("status", "--server", "aviary:8080").failedWith(2));
        assertEquals("aviary: unknown command 'stauts'; the commands are run, validate, status, pause, resume, abort, promote,"
                + " approve, restart", aviary("stauts").failedWith(2));
        // the cluster build has no sandbox commands, and says where they are
        assertEquals("aviary: demo is not in this build (the cluster build has no sandbox): use the full build, ./mvnw package",
                aviary("demo").failedWith(2));
    }

    @Test
    void everyCommandAnswersHelpWithoutBootingAndExits0() {
        List<OptionalCommands> full = OptionalCommands.installed();
        String top = Run.of(full, env, "--help").ok();
        for (String command : List.of("run", "validate", "status", "pause", "resume", "abort", "promote", "approve", "restart", "demo",
                "sandbox", "simulate")) {
            assertTrue(top.contains("\n  " + command + " "), command + " in " + top);
            String help = Run.of(full, env, command, "--help").ok();
            assertTrue(help.startsWith("Usage: aviary " + command + " "), help);
        }
        assertEquals(top, Run.of(full, env).ok(), "no arguments: the help");
        assertEquals("aviary 0.1.0\n", Run.of(full, env, "--version").ok());
        // the daemon and the sandbox's commands need the application: they boot
        assertEquals(Cli.BOOT, Run.of(full, env, "run").exitCode());
        assertEquals(Cli.BOOT, Run.of(full, env, "demo", "kserve").exitCode());
        assertTrue(!Run.of(List.of(), env, "--help").ok().contains("demo"), "the cluster build's help has no sandbox command");
    }
}
