package dev.aviary.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code aviary sandbox} run as a user runs it, on the TF Serving + Istio tutorial's own objects (one unnamed route at
 * index 0, hosts "*", a gateway, port 8501, no Service and no Deployments) with a policy that names no route: the
 * real application, a mock API server in CRUD mode, the mesh simulator and a real Prometheus, in compressed time.
 */
@QuarkusMainTest
class SandboxCommandTest {

    private static final Path TUTORIAL = Path.of("src/test/resources/tutorial");
    private static final Path MANIFESTS = TUTORIAL.resolve("manifests");
    private static final Path POLICIES = TUTORIAL.resolve("policies");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void goodCanaryGoesThroughHeaderRoute30And50ToPromotionChangingOnlyTheWeights(QuarkusMainLauncher launcher, @TempDir Path tmp)
            throws IOException {
        Path dump = tmp.resolve("dump");
        String out = rehearse(launcher, "good", dump);

        // the Service and both Deployments are made up, each said once
        assertTrue(out.contains("synthesized Service default/image-classifier (selector app=image-classifier, port 8501)"), out);
        assertTrue(out.contains("synthesized Deployment default/image-classifier-resnet50 with pods labelled app=image-classifier,"
                + " version=resnet50"), out);
        assertTrue(out.contains("synthesized Deployment default/image-classifier-resnet101 with pods labelled app=image-classifier,"
                + " version=resnet101"), out);
        assertTrue(out.contains("Time runs 5x faster than real time"), out);
        assertTrue(out.contains("interval 10s → 2s, steps 1m/1m/1m/10s → 12s/12s/12s/2s"), out);
        // what starts is said as it starts, before the first decision
        inOrder(out, "starting a mock Kubernetes API server", "starting the mesh simulator", "starting Prometheus",
                "starting the Aviary daemon", "START step 1/4");
        inOrder(out, "START step 1/4 (100/0 + header user-group=canary)", "ADVANCE step 2/4 (70/30)", "ADVANCE step 3/4 (50/50)",
                "PROMOTE step 4/4 (0/100)", "default/image-classifier       Promoted", "as expected (good)");
        assertCheckCountsMatchTheLinesPrinted(out);

        // the tutorial's VirtualService: the weights moved, and nothing else (the header route is gone again)
        Map<String, Object> expected = tutorialVirtualService();
        weights(expected, 0, 100);
        assertEquals(expected, dumped(dump, "virtualservice", "image-classifier"));
        assertUnchanged(dump);
        Map<String, Object> rollout = dumped(dump, "canaryrollout", "image-classifier");
        assertEquals("Promoted", status(rollout).get("phase"));
        assertEquals(100, status(rollout).get("canaryWeight"));
        assertTrue(eventReasons(dump).containsAll(List.of("Start", "Advance", "Promote")), eventReasons(dump).toString());
        // the CanaryRollout counts steps as the log lines do: from 1, in its history and for the Step column
        assertEquals(4, status(rollout).get("stepNumber"), "promoted at step 4/4");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> history = (List<Map<String, Object>>) status(rollout).get("history");
        assertEquals(List.of(1, 2, 3, 4), history.stream().map(h -> h.get("stepNumber")).toList(), "START 1/4, ADVANCE 2/4 and 3/4, PROMOTE 4/4");
    }

    /** Each "(N checks pass)" summary is followed by exactly N check lines. */
    static void assertCheckCountsMatchTheLinesPrinted(String out) {
        List<String> lines = out.lines().toList();
        int summaries = 0;
        for (int i = 0; i < lines.size(); i++) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("passed \\((\\d+) checks pass\\)").matcher(lines.get(i));
            if (!m.find()) continue;
            summaries++;
            int checkLines = 0;
            while (i + 1 + checkLines < lines.size() && lines.get(i + 1 + checkLines).startsWith("    ")) checkLines++;
            assertEquals(Integer.parseInt(m.group(1)), checkLines, "check lines under: " + lines.get(i));
        }
        assertTrue(summaries >= 3, "two advances and a promotion summarise their checks:\n" + out);
    }

    @Test
    void canaryWithFiveTimesTheErrorsIsRolledBackToTheTutorialsObjectAsWritten(QuarkusMainLauncher launcher, @TempDir Path tmp)
            throws IOException {
        Path dump = tmp.resolve("dump");
        String out = rehearse(launcher, "errors", dump);
        inOrder(out, "START step 1/4 (100/0 + header user-group=canary)", "ROLLBACK", "default/image-classifier       RolledBack",
                "as expected (errors)");

        assertEquals(tutorialVirtualService(), dumped(dump, "virtualservice", "image-classifier"));
        assertUnchanged(dump);
        Map<String, Object> rollout = dumped(dump, "canaryrollout", "image-classifier");
        assertEquals("RolledBack", status(rollout).get("phase"));
        assertTrue(String.valueOf(status(rollout).get("message")).startsWith("errors: canary 5xx rate"), rollout.toString());
        assertTrue(eventReasons(dump).contains("Rollback"), eventReasons(dump).toString());
    }

    @Test
    void badInputExitsTwoWithOneLinePerProblemAndNoStackTrace(QuarkusMainLauncher launcher, @TempDir Path tmp) throws IOException {
        Path policies = Files.createDirectories(tmp.resolve("policies"));
        Files.writeString(policies.resolve("image-classifier.yaml"), Files.readString(POLICIES.resolve("image-classifier.yaml"))
                .replace("    - weight: 50\n", "    - weigth: 50\n"));
        LaunchResult invalid = launcher.launch("sandbox", "--manifests", MANIFESTS.toString(), "--policies", policies.toString());
        assertEquals(2, invalid.exitCode());
        noStackTrace(invalid);
        assertTrue(invalid.getErrorOutput().contains(policies.resolve("image-classifier.yaml") + ":20:7: spec.steps[2].weigth: unknown field"),
                invalid.getErrorOutput());
        assertTrue(invalid.getErrorOutput().contains("nothing was run"), invalid.getErrorOutput());

        LaunchResult missing = launcher.launch("sandbox", "--manifests", tmp.resolve("nowhere").toString(), "--policies", POLICIES.toString());
        assertEquals(2, missing.exitCode());
        assertTrue(missing.getErrorOutput().contains(tmp.resolve("nowhere") + ": no such directory"), missing.getErrorOutput());

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        LaunchResult none = launcher.launch("sandbox", "--manifests", MANIFESTS.toString(), "--policies", empty.toString());
        assertEquals(2, none.exitCode());
        assertTrue(none.getErrorOutput().contains(empty + ": no policy files"), none.getErrorOutput());

        // a demo this build does not have is named, in one line, and nothing runs
        LaunchResult other = launcher.launch("demo", "linkerd");
        assertEquals(2, other.exitCode());
        assertTrue(other.getErrorOutput().contains("aviary demo: unknown demo 'linkerd'; use istio (the default), kserve or shadow"),
                other.getErrorOutput());
        assertEquals(1, other.getErrorOutput().strip().lines().count(), other.getErrorOutput());

        LaunchResult unknown = launcher.launch("sandbox", "--manifests", MANIFESTS.toString(), "--policies", POLICIES.toString(), "--bogus");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.getErrorOutput().contains("Unknown option: '--bogus'"), unknown.getErrorOutput());
        noStackTrace(unknown);
    }

    /** Runs the sandbox on the tutorial's objects; it must exit 0 (the rollout ended as the scenario expects). */
    private static String rehearse(QuarkusMainLauncher launcher, String scenario, Path dump) {
        LaunchResult r = launcher.launch("sandbox", "--manifests", MANIFESTS.toString(), "--policies", POLICIES.toString(), "--scenario",
                scenario, "--dump", dump.toString());
        assertEquals(0, r.exitCode(), r.getOutput() + r.getErrorOutput());
        noStackTrace(r);
        return r.getOutput();
    }

    /** The Gateway, the DestinationRule and the synthesized objects come out as they went in. */
    private static void assertUnchanged(Path dump) throws IOException {
        List<Map<String, Object>> input = documents(MANIFESTS.resolve("image-classifier.yaml"));
        Map<String, Object> dr = input.get(1);
        withNamespace(dr);
        assertEquals(dr, dumped(dump, "destinationrule", "image-classifier"));
        Map<String, Object> gateway = documents(MANIFESTS.resolve("gateway.yaml")).get(0);
        withNamespace(gateway);
        assertEquals(gateway, dumped(dump, "gateway", "image-classifier-gateway"));
        Map<String, Object> canary = dumped(dump, "deployment", "image-classifier-resnet101");
        assertEquals(Map.of(Workloads.SYNTHESIZED, "true"), metadata(canary).get("annotations"));
        assertEquals(Map.of("app", "image-classifier", "version", "resnet101"), metadata(canary).get("labels"));
    }

    private static Map<String, Object> tutorialVirtualService() throws IOException {
        Map<String, Object> vs = documents(MANIFESTS.resolve("image-classifier.yaml")).get(0);
        withNamespace(vs);
        return vs;
    }

    /** As {@code kubectl apply} stores an object written without a namespace. */
    private static void withNamespace(Map<String, Object> o) {
        metadata(o).put("namespace", "default");
    }

    @SuppressWarnings("unchecked")
    private static void weights(Map<String, Object> vs, int baseline, int canary) {
        List<Object> http = (List<Object>) ((Map<String, Object>) vs.get("spec")).get("http");
        List<Object> route = (List<Object>) ((Map<String, Object>) http.get(0)).get("route");
        ((Map<String, Object>) route.get(0)).put("weight", baseline);
        ((Map<String, Object>) route.get(1)).put("weight", canary);
    }

    private static Map<String, Object> dumped(Path dump, String kind, String name) throws IOException {
        return documents(dump.resolve("default").resolve(kind).resolve(name + ".yaml")).get(0);
    }

    private static List<String> eventReasons(Path dump) throws IOException {
        List<String> reasons = new ArrayList<>();
        try (Stream<Path> files = Files.list(dump.resolve("default").resolve("event"))) {
            for (Path f : files.sorted().toList()) reasons.add(String.valueOf(documents(f).get(0).get("reason")));
        }
        return reasons;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> metadata(Map<String, Object> o) {
        return (Map<String, Object>) o.get("metadata");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> status(Map<String, Object> o) {
        return (Map<String, Object>) o.get("status");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> documents(Path file) throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (var it = YAML.readerFor(Map.class).readValues(Files.readString(file))) {
            while (it.hasNext()) docs.add((Map<String, Object>) it.next());
        }
        return docs;
    }

    static void inOrder(String out, String... parts) {
        int at = 0;
        for (String part : parts) {
            int found = out.indexOf(part, at);
            assertTrue(found >= 0, "expected \"" + part + "\" after position " + at + " in:\n" + out);
            at = found + part.length();
        }
    }

    private static void noStackTrace(LaunchResult r) {
        String all = r.getOutput() + r.getErrorOutput();
        assertFalse(all.contains("Exception") || all.contains("\tat "), "a stack trace or exception reached the user:\n" + all);
    }
}
