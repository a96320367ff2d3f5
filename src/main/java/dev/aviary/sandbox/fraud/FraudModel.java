package dev.aviary.sandbox.fraud;

import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.impl.ArrayExample;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One trained fraud classifier with its preprocessing: the tutorial's one-hot encoding of the categorical columns,
 * the amount as a number, and one engineered feature (the purchaser's and the recipient's mail domains differ), which
 * trees cannot learn from one-hot columns alone. Predictions are synchronized: the servers call from several threads
 * and xgboost4j's booster is not documented as thread-safe.
 */
public final class FraudModel {

    public static final String LEGIT = "legit";
    public static final String FRAUD = "fraud";
    /** The class labels in index order, as every protocol's probability vector is laid out. */
    public static final List<String> LABELS = List.of(LEGIT, FRAUD);

    private static final String MAILS_DIFFER = "mails_differ";

    private final String name;
    private final String description;
    private final Model<Label> model;

    FraudModel(String name, String description, Model<Label> model) {
        this.name = name;
        this.description = description;
        this.model = model;
    }

    /**
     * One answer: the predicted label (the likelier class) and both classes' probabilities.
     *
     * @param label the top-1 label, {@link #LEGIT} or {@link #FRAUD}
     */
    public record Verdict(String label, double legit, double fraud) {
        /** The probabilities in {@link #LABELS}' order. */
        public double[] probabilities() {
            return new double[] {legit, fraud};
        }
    }

    /** The tutorial's image tag for this model: xgb, rf, ... */
    public String name() {
        return name;
    }

    /** How it was trained, one line, for the demo's output. */
    public String description() {
        return description;
    }

    public Verdict predict(Transaction transaction) {
        return predict(List.of(transaction)).get(0);
    }

    /** One verdict per transaction, in order: one call into the model (one DMatrix for XGBoost). */
    public synchronized List<Verdict> predict(List<Transaction> transactions) {
        List<Example<Label>> examples = new ArrayList<>(transactions.size());
        for (Transaction t : transactions) examples.add(example(t, 1, LabelFactory.UNKNOWN_LABEL));
        List<Verdict> verdicts = new ArrayList<>(transactions.size());
        for (org.tribuo.Prediction<Label> p : model.predict(examples)) {
            Map<String, Label> scores = p.getOutputScores();
            double legit = scores.containsKey(LEGIT) ? scores.get(LEGIT).getScore() : 0;
            double fraud = scores.containsKey(FRAUD) ? scores.get(FRAUD).getScore() : 0;
            verdicts.add(new Verdict(p.getOutput().getLabel(), legit, fraud));
        }
        return verdicts;
    }

    /**
     * The model's input for one transaction: every feature written, zeros included, so "absent" never means
     * "missing" to XGBoost. {@code amountScale} converts the dollars the row carries into the unit a training
     * export used (the bad canary's bug is a cents export: 100).
     */
    static Example<Label> example(Transaction t, double amountScale, Label output) {
        List<String> names = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        names.add(Transaction.AMOUNT);
        values.add(t.amount() * amountScale);
        oneHot(Transaction.PRODUCT, Transaction.PRODUCTS, t.productCd(), names, values);
        oneHot(Transaction.CARD, Transaction.CARDS, t.card4(), names, values);
        oneHot(Transaction.P_EMAIL, Transaction.MAIL_DOMAINS, t.purchaserMail(), names, values);
        oneHot(Transaction.R_EMAIL, Transaction.MAIL_DOMAINS, t.recipientMail(), names, values);
        boolean[] flags = {t.m1(), t.m2(), t.m3()};
        for (int i = 0; i < flags.length; i++) {
            names.add(Transaction.FLAGS.get(i));
            values.add(flags[i] ? 1.0 : 0.0);
        }
        names.add(MAILS_DIFFER);
        values.add(t.mailsDiffer() ? 1.0 : 0.0);
        return new ArrayExample<>(output, names.toArray(String[]::new), values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** One column per known value; an unknown or missing value sets none, as OneHotEncoder(handle_unknown="ignore"). */
    private static void oneHot(String column, List<String> known, String value, List<String> names, List<Double> values) {
        for (String k : known) {
            names.add(column + "=" + k);
            values.add(k.equals(value) ? 1.0 : 0.0);
        }
    }
}
