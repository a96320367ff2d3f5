package dev.aviary.sandbox.fraud;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The tutorial's classifiers, trained for real: deterministic, better than always saying "legit", the random-forest
 * canary agreeing with the XGBoost baseline, and the canary trained on cents disagreeing far beyond any sane
 * minAgreement while every one of its answers is a well-formed probability.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FraudModelsTest {

    /** Held out: drawn from a seed the training never saw. */
    private final List<Transactions.Labelled> heldOut = Transactions.generate(77, 4_000);
    private final List<Transaction> rows = heldOut.stream().map(Transactions.Labelled::transaction).toList();
    private FraudModels models;

    @BeforeAll
    void train() {
        models = FraudModels.train(FraudModels.SEED);
    }

    @Test
    void theSameSeedTrainsTheSameModels() {
        FraudModels again = FraudModels.train(FraudModels.SEED);
        List<Transaction> sample = rows.subList(0, 500);
        for (FraudModel[] pair : new FraudModel[][] {{models.baseline(), again.baseline()}, {models.goodCanary(), again.goodCanary()},
                {models.badCanary(), again.badCanary()}}) {
            List<FraudModel.Verdict> first = pair[0].predict(sample);
            List<FraudModel.Verdict> second = pair[1].predict(sample);
            for (int i = 0; i < sample.size(); i++) {
                assertEquals(first.get(i).label(), second.get(i).label(), pair[0].name() + " row " + i);
                assertArrayEquals(first.get(i).probabilities(), second.get(i).probabilities(), 0.0, pair[0].name() + " row " + i);
            }
        }
    }

    @Test
    void theBaselineAndTheGoodCanaryBeatAlwaysSayingLegit() {
        double majority = 1 - heldOut.stream().filter(Transactions.Labelled::fraud).count() / (double) heldOut.size();
        double xgb = FraudModels.accuracy(models.baseline(), heldOut);
        double rf = FraudModels.accuracy(models.goodCanary(), heldOut);
        // about 0.955 against 0.91: half the majority rule's errors
        assertTrue(xgb > majority + 0.03, "xgb accuracy " + xgb + " vs majority class " + majority);
        assertTrue(rf > majority + 0.03, "rf accuracy " + rf + " vs majority class " + majority);
        double cents = FraudModels.accuracy(models.badCanary(), heldOut);
        assertTrue(cents < majority - 0.1, "the canary trained on cents is worse than the majority rule: " + cents);
    }

    @Test
    void theGoodCanaryAgreesWithTheBaselineAndTheBadOneDoesNot() {
        double good = FraudModels.agreement(models.baseline(), models.goodCanary(), rows);
        double bad = FraudModels.agreement(models.baseline(), models.badCanary(), rows);
        // measured: about 0.984 and 0.64
        assertTrue(good >= 0.97, "rf vs xgb agreement " + good);
        assertTrue(bad <= 0.85, "rf-cents vs xgb agreement " + bad);
        assertEquals(1.0, FraudModels.agreement(models.baseline(), models.baseline(), rows), "a model agrees with itself");
    }

    @Test
    void theBadCanaryFlagsOrdinaryChargesAsFraud() {
        long baselineFlags = models.baseline().predict(rows).stream().filter(v -> v.label().equals(FraudModel.FRAUD)).count();
        long centsFlags = models.badCanary().predict(rows).stream().filter(v -> v.label().equals(FraudModel.FRAUD)).count();
        assertTrue(centsFlags > 3 * baselineFlags, "trained on cents, every dollar amount looks like card testing: "
                + centsFlags + " flagged vs the baseline's " + baselineFlags);
    }

    @Test
    void everyVerdictIsADistributionWhoseLikelierClassIsTheLabel() {
        for (FraudModel m : List.of(models.baseline(), models.goodCanary(), models.badCanary())) {
            for (FraudModel.Verdict v : m.predict(rows.subList(0, 300))) {
                assertEquals(1.0, v.legit() + v.fraud(), 1e-6, m.name() + ": " + v);
                assertEquals(v.fraud() > v.legit() ? FraudModel.FRAUD : FraudModel.LEGIT, v.label(), m.name() + ": " + v);
            }
        }
    }

    @Test
    void agreementNeedsRows() {
        assertThrows(IllegalArgumentException.class, () -> FraudModels.agreement(models.baseline(), models.goodCanary(), List.of()));
    }
}
