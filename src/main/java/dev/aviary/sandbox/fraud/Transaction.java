package dev.aviary.sandbox.fraud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * One card transaction with the KServe canary tutorial's columns (from the IEEE-CIS fraud data set): the features a
 * fraud classifier reads. As JSON it is one object of named features, the payload shape every protocol carries
 * ({@code {"TransactionAmt": 495.0, "ProductCD": "W", "card4": "visa", "P_emaildomain": "live.com",
 * "R_emaildomain": null, "M1": "T", "M2": "T", "M3": "T"}}).
 *
 * @param amount        TransactionAmt, in dollars
 * @param productCd     ProductCD, one of {@link #PRODUCTS} (another value is encoded as no known product)
 * @param card4         the card network
 * @param purchaserMail P_emaildomain, or null when unknown
 * @param recipientMail R_emaildomain, or null when unknown (most rows in the original data)
 * @param m1            M1..M3: the card's match flags ("T" true, "F" false), e.g. the name on the card matches
 */
public record Transaction(double amount, String productCd, String card4, String purchaserMail, String recipientMail,
                          boolean m1, boolean m2, boolean m3) {

    public static final String AMOUNT = "TransactionAmt";
    public static final String PRODUCT = "ProductCD";
    public static final String CARD = "card4";
    public static final String P_EMAIL = "P_emaildomain";
    public static final String R_EMAIL = "R_emaildomain";
    public static final List<String> FLAGS = List.of("M1", "M2", "M3");
    /** The columns in the tutorial's order. */
    public static final List<String> COLUMNS = List.of(AMOUNT, PRODUCT, CARD, P_EMAIL, R_EMAIL, "M1", "M2", "M3");

    public static final List<String> PRODUCTS = List.of("W", "C", "R", "H", "S");
    public static final List<String> CARDS = List.of("visa", "mastercard", "american express", "discover");
    public static final List<String> MAIL_DOMAINS = List.of("gmail.com", "yahoo.com", "hotmail.com", "anonymous.com",
            "outlook.com", "aol.com", "icloud.com", "protonmail.com");

    /** An input that is not a transaction: the message is one line naming the field and what to send. */
    public static final class BadInput extends IllegalArgumentException {
        public BadInput(String message) {
            super(message, null);
        }
    }

    public Transaction {
        if (!Double.isFinite(amount) || amount < 0) throw new BadInput(AMOUNT + " must be a number >= 0, got " + amount);
        if (productCd == null || card4 == null) throw new BadInput(PRODUCT + " and " + CARD + " must be strings");
    }

    /** Both mail domains known and different: the purchaser pays for someone else's account. */
    public boolean mailsDiffer() {
        return purchaserMail != null && recipientMail != null && !purchaserMail.equals(recipientMail);
    }

    /**
     * The row as the payload's JSON object; the amount with cents, as a number. An unknown mail domain is written as
     * "" rather than the tutorial's null: an Open Inference Protocol BYTES tensor cannot carry a null.
     */
    public ObjectNode toJson() {
        ObjectNode row = JsonNodeFactory.instance.objectNode();
        row.put(AMOUNT, amount);
        row.put(PRODUCT, productCd);
        row.put(CARD, card4);
        row.put(P_EMAIL, purchaserMail == null ? "" : purchaserMail);
        row.put(R_EMAIL, recipientMail == null ? "" : recipientMail);
        row.put("M1", flag(m1));
        row.put("M2", flag(m2));
        row.put("M3", flag(m3));
        return row;
    }

    /**
     * The transaction in a JSON row object. Every column must be present; the mail domains may be null or "" (unknown);
     * the flags are "T"/"F" (or JSON booleans); other keys (such as the tutorial's {@code isFraud}) are ignored, as
     * the tutorial's service selects its columns from the data frame.
     *
     * @throws BadInput naming the field and what it must be
     */
    public static Transaction fromJson(JsonNode row) {
        if (row == null || !row.isObject()) {
            throw new BadInput("a row must be a JSON object of named features (" + String.join(", ", COLUMNS) + "), got "
                    + (row == null ? "nothing" : row.getNodeType().name().toLowerCase()));
        }
        for (String column : COLUMNS) {
            if (!row.has(column)) throw new BadInput("missing " + column + "; a row needs " + String.join(", ", COLUMNS));
        }
        JsonNode amount = row.get(AMOUNT);
        if (!amount.isNumber()) throw new BadInput(AMOUNT + " must be a number, got " + describe(amount));
        return new Transaction(amount.doubleValue(), text(row, PRODUCT, false), text(row, CARD, false),
                text(row, P_EMAIL, true), text(row, R_EMAIL, true),
                flag(row.get("M1"), "M1"), flag(row.get("M2"), "M2"), flag(row.get("M3"), "M3"));
    }

    private static String text(JsonNode row, String column, boolean nullable) {
        JsonNode v = row.get(column);
        if (nullable && v.isNull()) return null;
        if (!v.isTextual()) throw new BadInput(column + " must be a string" + (nullable ? " or null" : "") + ", got " + describe(v));
        return nullable && v.asText().isEmpty() ? null : v.asText();
    }

    private static boolean flag(JsonNode v, String column) {
        if (v.isBoolean()) return v.booleanValue();
        if (v.isTextual() && (v.asText().equals("T") || v.asText().equals("F"))) return v.asText().equals("T");
        throw new BadInput(column + " must be \"T\" or \"F\", got " + describe(v));
    }

    /** A JSON value for a one-line message: its type and at most 40 characters of it. */
    static String describe(JsonNode v) {
        String text = v.toString();
        String kind = v.isTextual() ? "string" : v.isNumber() ? "number" : v.getNodeType().name().toLowerCase();
        return kind + " " + (text.length() > 40 ? text.substring(0, 40) + "..." : text);
    }

    static String flag(boolean value) {
        return value ? "T" : "F";
    }
}
