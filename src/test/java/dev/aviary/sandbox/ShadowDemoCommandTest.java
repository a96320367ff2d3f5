package dev.aviary.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.sandbox.fraud.FraudModels;
import dev.aviary.sandbox.fraud.Transaction;
import dev.aviary.sandbox.fraud.Transactions;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code aviary demo shadow} as a user runs it: the KServe demo's InferenceServices, both canaries serving exactly like
 * the baseline, judged also on what real fraud models answer over real HTTP. The random forest (V2) is promoted; the
 * one trained on amounts in cents (BentoML-style JSON) is rolled back by the agreement check alone, and the agreement
 * Aviary measured through its clients is bracketed by its confidence bounds around the agreement computed offline.
 */
@QuarkusMainTest
class ShadowDemoCommandTest {

    private static final String GOOD = "kserve-deployments";
    private static final String BAD = Rehearsal.KSERVE_BAD_NAMESPACE;

    @Test
    void theAgreeingCanaryIsPromotedAndTheDisagreeingOneRolledBackOnAgreement(QuarkusMainLauncher launcher, @TempDir Path tmp)
            throws IOException {
        Path dump = tmp.resolve("dump");
        String out = DemoRuns.run(launcher, "shadow", dump);
        assertTrue(out.contains(GOOD + "/fraud-classifier: PROMOTE step 3/3 (0/100)"), out);
        assertTrue(out.contains(BAD + "/fraud-classifier: ROLLBACK step 1/3 (100/0) -> RolledBack: agreement: canary agrees with the"
                + " baseline on "), "the rollback's reason is the agreement check: " + out);
        assertTrue(out.contains("Shadow agreement, as last judged"), out);
        assertTrue(out.contains(GOOD + "/fraud-classifier agreement PASS: canary agrees with the baseline on "), out);
        assertTrue(out.contains(BAD + "/fraud-classifier agreement FAIL: canary agrees with the baseline on "), out);

        List<Transaction> rows = Transactions.unlabelled(Transactions.PAYLOAD_SEED, Transactions.PAYLOAD_ROWS);
        FraudModels models = FraudModels.train(FraudModels.SEED);

        Map<String, Object> passed = agreement(rollout(dump, GOOD));
        assertEquals("PASS", passed.get("outcome"), passed.toString());
        Map<String, Object> good = evidence(passed);
        assertTrue(number(good, "lower") >= 0.95, "shown to agree at least 95%: " + good);
        double offlineGood = FraudModels.agreement(models.baseline(), models.goodCanary(), rows);
        assertBracketed(offlineGood, good);

        Map<String, Object> rolledBack = rollout(dump, BAD);
        Map<String, Object> failed = agreement(rolledBack);
        assertEquals("FAIL", failed.get("outcome"), failed.toString());
        Map<String, Object> bad = evidence(failed);
        assertTrue(number(bad, "upper") < 0.95, "shown to agree less than 95%: " + bad);
        double offlineBad = FraudModels.agreement(models.baseline(), models.badCanary(), rows);
        assertBracketed(offlineBad, bad);
        // the request metrics could not tell: no request check failed the disagreeing canary
        for (Map<String, Object> check : checks(rolledBack)) {
            if (!check.get("check").equals("agreement")) assertNotEquals("FAIL", check.get("outcome"), check.toString());
        }

        Map<String, Object> promoted = DemoRuns.predictor(isvc(dump, GOOD));
        assertFalse(promoted.containsKey("canaryTrafficPercent"), "promoted: the field is removed: " + promoted);
        assertEquals(0, DemoRuns.predictor(isvc(dump, BAD)).get("canaryTrafficPercent"), "rolled back: canaryTrafficPercent: 0");
    }

    /**
     * The agreement over the 400 stored transactions, computed in-process, lies within the bounds Aviary reported from
     * pairs it drew at random and asked the servers for (the bounds cover it with probability at least 1 - 2 alpha).
     */
    private static void assertBracketed(double offline, Map<String, Object> evidence) {
        assertTrue(number(evidence, "lower") <= offline && offline <= number(evidence, "upper"),
                "offline agreement " + offline + " outside the measured bounds " + evidence);
        assertTrue(number(evidence, "canaryTotal") > 0, "pairs were compared: " + evidence);
    }

    private static Map<String, Object> rollout(Path dump, String namespace) throws IOException {
        return DemoRuns.dumped(dump, namespace, "canaryrollout", "fraud-classifier");
    }

    private static Map<String, Object> isvc(Path dump, String namespace) throws IOException {
        return DemoRuns.dumped(dump, namespace, "inferenceservice", "fraud-classifier");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> checks(Map<String, Object> rollout) {
        return (List<Map<String, Object>>) ((Map<String, Object>) rollout.get("status")).get("checks");
    }

    private static Map<String, Object> agreement(Map<String, Object> rollout) {
        return checks(rollout).stream().filter(c -> c.get("check").equals("agreement")).findFirst()
                .orElseThrow(() -> new AssertionError("no agreement verdict in " + rollout.get("status")));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> evidence(Map<String, Object> check) {
        return (Map<String, Object>) check.get("evidence");
    }

    private static double number(Map<String, Object> evidence, String field) {
        return ((Number) evidence.get(field)).doubleValue();
    }

}
