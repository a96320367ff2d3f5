package dev.aviary.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code aviary sandbox --manifests} on the tutorial's fraud classifier in Standard (RawDeployment) mode, KServe
 * &ge; 0.20: the canary is spec.canary[0] (the random forest, predictor service fraud-classifier-rf-predictor) and the
 * checks are Istio's presets over the predictor services' sidecar metrics. Standard mode's arms are predictor
 * services, which Istio reports as destination_service_name: the router says so with the arms, and the daemon runs
 * with its default settings (the same daemon rolls out VirtualServices by destination_version).
 */
@QuarkusMainTest
class KServeStandardSandboxTest {

    private static final Path STANDARD = Path.of("src/test/resources/kserve/standard");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void aGoodRandomForestIsPromotedTheWayKServeDefinesIt(QuarkusMainLauncher launcher, @TempDir Path tmp) throws IOException {
        Path dump = tmp.resolve("dump");
        String out = rehearse(launcher, "good", dump);
        SandboxCommandTest.inOrder(out, "runs in Standard mode", "START step 1/3 (80/20)", "ADVANCE step 2/3 (50/50)", "PROMOTE step 3/3 (0/100)",
                "kserve-deployments/fraud-classifier Promoted", "as expected (good)");

        Map<String, Object> isvc = dumped(dump);
        Map<String, Object> spec = map(isvc.get("spec"));
        assertNull(spec.get("canary"), "promotion removes spec.canary");
        assertEquals("rf", map(spec.get("predictor")).get("name"), "the canary's predictor, named, is the stable one: " + spec);
        assertTrue(String.valueOf(spec.get("predictor")).contains("fraud-classifier:rf"), spec.toString());
        assertEquals(map(isvc.get("metadata")).get("annotations"), Map.of("serving.kserve.io/deploymentMode", "Standard"),
                "Aviary writes no annotation");
        assertEquals("http://fraud-classifier-rf-predictor.kserve-deployments.svc.cluster.local",
                map(map(map(isvc.get("status")).get("components")).get("predictor")).get("url"), "KServe serves the random forest");
    }

    @Test
    void aRandomForestWithFiveTimesTheErrorsIsRolledBackToTheStablePredictor(QuarkusMainLauncher launcher, @TempDir Path tmp)
            throws IOException {
        Path dump = tmp.resolve("dump");
        String out = rehearse(launcher, "errors", dump);
        SandboxCommandTest.inOrder(out, "START step 1/3 (80/20)", "ROLLBACK", "kserve-deployments/fraud-classifier RolledBack", "as expected (errors)");

        Map<String, Object> spec = map(dumped(dump).get("spec"));
        assertNull(spec.get("canary"), "rollback removes spec.canary");
        Map<String, Object> written = map(YAML.readValue(STANDARD.resolve("manifests/fraud-classifier.yaml").toFile(), Map.class).get("spec"));
        assertEquals(written.get("predictor"), spec.get("predictor"), "the stable predictor is left as the user wrote it");
    }

    /** Runs the sandbox on the Standard-mode tutorial; it must exit 0 (the rollout ended as the scenario expects). */
    private static String rehearse(QuarkusMainLauncher launcher, String scenario, Path dump) {
        LaunchResult r = launcher.launch("sandbox", "--manifests", STANDARD.resolve("manifests").toString(), "--policies",
                STANDARD.resolve("policies").toString(), "--scenario", scenario, "--dump", dump.toString());
        assertEquals(0, r.exitCode(), r.getOutput() + r.getErrorOutput());
        String all = r.getOutput() + r.getErrorOutput();
        assertFalse(all.contains("Exception") || all.contains("\tat "), "a stack trace or exception reached the user:\n" + all);
        return r.getOutput().replaceAll(" +", " ");
    }

    private static Map<String, Object> dumped(Path dump) throws IOException {
        return map(YAML.readValue(dump.resolve("kserve-deployments/inferenceservice/fraud-classifier.yaml").toFile(), Map.class));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }
}
