package dev.aviary.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code aviary demo kserve} as a user runs it: the real application on the KServe tutorial's InferenceService (mock API
 * server, KServe simulator, real Prometheus). The good random forest is promoted (canaryTrafficPercent removed), the one
 * with five times the errors ends at canaryTrafficPercent: 0, and Aviary wrote nothing on either but that field.
 */
@QuarkusMainTest
class KServeDemoCommandTest {

    private static final String REV1 = "fraud-classifier-predictor-00001";
    private static final String REV2 = "fraud-classifier-predictor-00002";

    @Test
    void aGoodCanaryIsPromotedAndABadOneRolledBackMovingOnlyCanaryTrafficPercent(QuarkusMainLauncher launcher, @TempDir Path tmp)
            throws IOException {
        Path dump = tmp.resolve("dump");
        String out = DemoRuns.run(launcher, "kserve", dump);
        assertTrue(out.contains("kserve-deployments/fraud-classifier: START step 1/3 (80/20)"), out);
        assertTrue(out.contains("kserve-deployments/fraud-classifier: PROMOTE step 3/3 (0/100)"), out);
        assertTrue(out.contains(Rehearsal.KSERVE_BAD_NAMESPACE + "/fraud-classifier: ROLLBACK step 1/3 (100/0)"), out);
        assertTrue(out.contains("errors       FAIL         canary 5xx rate"), "the decision's numbers are printed: " + out);

        Map<String, Object> promoted = isvc(dump, "kserve-deployments");
        Map<String, Object> predictor = predictor(promoted);
        assertFalse(predictor.containsKey("canaryTrafficPercent"), "promoted: the field is removed: " + predictor);
        assertEquals("fraud-classifier:rf", image(predictor));
        // (status: the run ends once the promotion is written; KServe reports the rf revision rolled out a few seconds later)

        Map<String, Object> rolledBack = isvc(dump, Rehearsal.KSERVE_BAD_NAMESPACE);
        assertEquals(0, predictor(rolledBack).get("canaryTrafficPercent"), "rolled back: canaryTrafficPercent: 0");
        assertEquals(REV1, revisions(rolledBack).get("latestRolledoutRevision"), "KServe keeps XGBoost rolled out");

        for (Map<String, Object> isvc : java.util.List.of(promoted, rolledBack)) {
            Map<?, ?> metadata = (Map<?, ?>) isvc.get("metadata");
            // KServe copies labels and annotations into the revision template: a write there would mint a revision
            assertNull(metadata.get("labels"), "no label written: " + metadata);
            assertNull(metadata.get("annotations"), "no annotation written: " + metadata);
            assertEquals(REV2, revisions(isvc).get("latestCreatedRevision"), "no revision minted beyond the canary's");
        }
    }

    private static Map<String, Object> isvc(Path dump, String namespace) throws IOException {
        return DemoRuns.dumped(dump, namespace, "inferenceservice", "fraud-classifier");
    }

    private static Map<String, Object> predictor(Map<String, Object> isvc) {
        return DemoRuns.predictor(isvc);
    }

    @SuppressWarnings("unchecked")
    private static Object image(Map<String, Object> predictor) {
        return ((Map<String, Object>) ((java.util.List<Object>) predictor.get("containers")).get(0)).get("image");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> revisions(Map<String, Object> isvc) {
        return (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) isvc.get("status")).get("components")).get("predictor");
    }
}
