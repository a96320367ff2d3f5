package dev.aviary.sandbox.fraud;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded synthetic stand-in for the KServe tutorial's transactions (the IEEE-CIS fraud data, which cannot be
 * downloaded here): the same columns, and a fraud label that depends on them the way card fraud does, with noise.
 * Fraud is likelier for card testing (tiny amounts), very large amounts, the digital-goods product C (S, H less so),
 * a purchaser paying into someone else's mail account, anonymous mail domains and failed match flags (M1..M3 "F").
 * About 8% of the rows are fraud; the label is drawn from a logistic model, so no classifier is right on every row.
 * The same seed gives the same rows on every machine ({@link Random} is specified exactly).
 */
public final class Transactions {

    private static final double[] PRODUCT_WEIGHTS = {55, 15, 10, 10, 10};        // W C R H S
    private static final double[] CARD_WEIGHTS = {60, 30, 6, 4};                  // visa mastercard amex discover
    private static final double[] MAIL_WEIGHTS = {40, 17, 12, 8, 7, 6, 6, 4};     // in MAIL_DOMAINS' order
    private static final double CARD_TESTING_SHARE = 0.07;
    private static final double RECIPIENT_UNKNOWN = 0.55;
    private static final double RECIPIENT_SAME = 0.7;
    /** The stored requests the example policy and the demo replay: held out from the training rows' seed. */
    public static final long PAYLOAD_SEED = 20_261_125L;
    public static final int PAYLOAD_ROWS = 400;

    private Transactions() {
    }

    /** A transaction with its ground truth. */
    public record Labelled(Transaction transaction, boolean fraud) {
        public String label() {
            return fraud ? FraudModel.FRAUD : FraudModel.LEGIT;
        }
    }

    /** {@code count} labelled transactions drawn from {@code seed}. */
    public static List<Labelled> generate(long seed, int count) {
        Random random = new Random(seed);
        List<Labelled> rows = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Transaction t = transaction(random);
            rows.add(new Labelled(t, random.nextDouble() < fraudProbability(t)));
        }
        return List.copyOf(rows);
    }

    /** The transactions alone, as a payload file holds them. */
    public static List<Transaction> unlabelled(long seed, int count) {
        return generate(seed, count).stream().map(Labelled::transaction).toList();
    }

    /** The rows as JSON Lines: one row object per line, the payload file's format. */
    public static String jsonLines(long seed, int count) {
        StringBuilder out = new StringBuilder();
        for (Transaction t : unlabelled(seed, count)) out.append(t.toJson()).append('\n');
        return out.toString();
    }

    /** The true chance that {@code t} is fraud: what the generator draws the label from. */
    static double fraudProbability(Transaction t) {
        double logit = -11.0;
        if (t.amount() < 5) logit += 7.0;                 // card testing: tiny charges to see whether a card works
        if (t.amount() > 1000) logit += 3.0;
        logit += switch (t.productCd()) {
            case "C" -> 4.8;
            case "S" -> 2.0;
            case "H" -> 1.0;
            default -> 0;
        };
        if (t.mailsDiffer()) logit += 6.4;
        if (anonymous(t.purchaserMail())) logit += 4.0;
        if (anonymous(t.recipientMail())) logit += 2.0;
        if (!t.m1()) logit += 4.0;
        if (!t.m2()) logit += 2.0;
        if (!t.m3()) logit += 1.2;
        if (t.card4().equals("discover")) logit += 1.2;
        return 1 / (1 + Math.exp(-logit));
    }

    private static boolean anonymous(String domain) {
        return "anonymous.com".equals(domain) || "protonmail.com".equals(domain);
    }

    private static Transaction transaction(Random random) {
        String product = pick(random, Transaction.PRODUCTS, PRODUCT_WEIGHTS);
        double dollars = random.nextDouble() < CARD_TESTING_SHARE
                ? 0.5 + 4.5 * random.nextDouble()
                : Math.min(5000, Math.exp(Math.log(60) + random.nextGaussian()));
        double amount = Math.max(0.5, Math.round(dollars * 100) / 100.0);
        String card = pick(random, Transaction.CARDS, CARD_WEIGHTS);
        String purchaser = pick(random, Transaction.MAIL_DOMAINS, MAIL_WEIGHTS);
        String recipient = random.nextDouble() < RECIPIENT_UNKNOWN ? null
                : random.nextDouble() < RECIPIENT_SAME ? purchaser : pick(random, Transaction.MAIL_DOMAINS, MAIL_WEIGHTS);
        return new Transaction(amount, product, card, purchaser, recipient,
                random.nextDouble() < 0.8, random.nextDouble() < 0.75, random.nextDouble() < 0.7);
    }

    private static String pick(Random random, List<String> values, double[] weights) {
        double total = 0;
        for (double w : weights) total += w;
        double u = random.nextDouble() * total;
        for (int i = 0; i < values.size(); i++) {
            u -= weights[i];
            if (u < 0) return values.get(i);
        }
        return values.get(values.size() - 1);
    }
}
