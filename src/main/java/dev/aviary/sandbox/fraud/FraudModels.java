package dev.aviary.sandbox.fraud;

import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Trainer;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.dtree.CARTClassificationTrainer;
import org.tribuo.classification.ensemble.FullyWeightedVotingCombiner;
import org.tribuo.classification.xgboost.XGBoostClassificationTrainer;
import org.tribuo.common.tree.RandomForestTrainer;
import org.tribuo.common.xgboost.XGBoostTrainer;
import org.tribuo.datasource.ListDataSource;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The KServe canary tutorial's two fraud classifiers, trained at start-up on {@link Transactions}, plus the canary a
 * realistic bug produces:
 * <ul>
 *   <li>baseline, "xgb": gradient-boosted trees (XGBoost through Tribuo);</li>
 *   <li>good canary, "rf": a random forest (tribuo-common-tree's RandomForestTrainer, a BaggingTrainer over CART trees
 *       splitting on a random half of the features; tribuo-classification-ensemble does not resolve here), their class
 *       distributions averaged as scikit-learn's predict_proba does);</li>
 *   <li>bad canary, "rf-cents": the same random forest, but its training export carried TransactionAmt in cents while
 *       the service still sends dollars. It answers just as fast and always 200 OK, yet reads every ordinary charge as
 *       a card-testing micro-payment and flags far more transactions as fraud.</li>
 * </ul>
 * Each training is seeded and single-threaded, so the same seed gives the same predictions.
 */
public record FraudModels(FraudModel baseline, FraudModel goodCanary, FraudModel badCanary, Duration trainingTime) {

    /** The seed the sandbox trains with. */
    public static final long SEED = 20_261_124L;
    static final int TRAINING_ROWS = 8_000;
    private static final double CENTS = 100;

    /** Trains the three models on {@code TRAINING_ROWS} transactions drawn from {@code seed}. */
    public static FraudModels train(long seed) {
        long start = System.nanoTime();
        List<Transactions.Labelled> rows = Transactions.generate(seed, TRAINING_ROWS);
        // three independent single-threaded trainings: side by side they take as long as the slowest
        ExecutorService trainers = Executors.newFixedThreadPool(3, r -> {
            Thread t = new Thread(r, "fraud-model-training");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<Model<Label>> xgb = trainers.submit(() -> fit(xgboost(seed), rows, 1));
            Future<Model<Label>> rf = trainers.submit(() -> fit(randomForest(seed), rows, 1));
            Future<Model<Label>> cents = trainers.submit(() -> fit(randomForest(seed), rows, CENTS));
            return new FraudModels(
                    new FraudModel("xgb", "XGBoost, 30 boosted trees of depth 4", xgb.get()),
                    new FraudModel("rf", "random forest, 25 CART trees of depth 6 splitting on half the features", rf.get()),
                    new FraudModel("rf-cents", "the same random forest, trained on a TransactionAmt export in cents", cents.get()),
                    Duration.ofNanos(System.nanoTime() - start));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while training the fraud models", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("training the fraud models failed: " + e.getCause(), e.getCause());
        } finally {
            trainers.shutdownNow();
        }
    }

    /** The rate at which {@code a} and {@code b} predict the same label (top-1 agreement) on {@code rows}. */
    public static double agreement(FraudModel a, FraudModel b, List<Transaction> rows) {
        if (rows.isEmpty()) throw new IllegalArgumentException("no rows to compare the models on");
        List<FraudModel.Verdict> first = a.predict(rows);
        List<FraudModel.Verdict> second = b.predict(rows);
        int same = 0;
        for (int i = 0; i < rows.size(); i++) {
            if (first.get(i).label().equals(second.get(i).label())) same++;
        }
        return (double) same / rows.size();
    }

    /** The share of {@code rows} whose true label {@code model} predicts. */
    public static double accuracy(FraudModel model, List<Transactions.Labelled> rows) {
        if (rows.isEmpty()) throw new IllegalArgumentException("no rows to score the model on");
        List<FraudModel.Verdict> verdicts = model.predict(rows.stream().map(Transactions.Labelled::transaction).toList());
        int right = 0;
        for (int i = 0; i < rows.size(); i++) {
            if (verdicts.get(i).label().equals(rows.get(i).label())) right++;
        }
        return (double) right / rows.size();
    }

    private static Trainer<Label> xgboost(long seed) {
        return new XGBoostClassificationTrainer(XGBoostTrainer.BoosterType.GBTREE, XGBoostTrainer.TreeMethod.EXACT,
                30, 0.3, 0, 4, 1, 1, 1, 1, 0, 1, XGBoostTrainer.LoggingVerbosity.SILENT, seed);
    }

    private static Trainer<Label> randomForest(long seed) {
        return new RandomForestTrainer<>(new CARTClassificationTrainer(6, 0.5f, seed), new FullyWeightedVotingCombiner(), 25, seed);
    }

    private static Model<Label> fit(Trainer<Label> trainer, List<Transactions.Labelled> rows, double amountScale) {
        LabelFactory labels = new LabelFactory();
        List<Example<Label>> examples = new ArrayList<>(rows.size());
        for (Transactions.Labelled row : rows) {
            examples.add(FraudModel.example(row.transaction(), amountScale, labels.generateOutput(row.label())));
        }
        MutableDataset<Label> data = new MutableDataset<>(
                new ListDataSource<>(examples, labels, new SimpleDataSourceProvenance("synthetic transactions", labels)));
        return trainer.train(data);
    }
}
