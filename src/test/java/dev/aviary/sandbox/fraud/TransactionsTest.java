package dev.aviary.sandbox.fraud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aviary.shadow.Payload;
import dev.aviary.shadow.Payloads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The synthetic transactions: seeded, fraud-like, and the committed payload file is exactly what they generate. */
class TransactionsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path PAYLOAD_FILE = Path.of("policies/fraud-transactions.jsonl");

    @Test
    void theSameSeedGivesTheSameRowsAndAnotherSeedOthers() {
        assertEquals(Transactions.generate(5, 300), Transactions.generate(5, 300));
        assertNotEquals(Transactions.generate(5, 300), Transactions.generate(6, 300));
    }

    @Test
    void fraudIsAFewPercentAndFollowsTheRiskFactors() {
        List<Transactions.Labelled> rows = Transactions.generate(11, 20_000);
        double rate = rows.stream().filter(Transactions.Labelled::fraud).count() / (double) rows.size();
        assertTrue(rate > 0.04 && rate < 0.12, "fraud base rate " + rate);
        double cardTesting = fraudRate(rows.stream().filter(r -> r.transaction().amount() < 5).toList());
        double ordinary = fraudRate(rows.stream().filter(r -> r.transaction().amount() >= 5 && r.transaction().amount() <= 1000).toList());
        assertTrue(cardTesting > 3 * ordinary, "micro-payments (card testing) are riskier: " + cardTesting + " vs " + ordinary);
        double differ = fraudRate(rows.stream().filter(r -> r.transaction().mailsDiffer()).toList());
        double same = fraudRate(rows.stream().filter(r -> !r.transaction().mailsDiffer()).toList());
        assertTrue(differ > 3 * same, "paying into another mail account is riskier: " + differ + " vs " + same);
        assertTrue(rows.stream().anyMatch(r -> r.transaction().recipientMail() == null), "some recipient domains are unknown, as in the tutorial's data");
    }

    @Test
    void aRowSurvivesItsJson() {
        for (Transaction t : Transactions.unlabelled(3, 200)) assertEquals(t, Transaction.fromJson(t.toJson()));
    }

    @Test
    void theTutorialsRowIsReadWithItsNullAndItsLabelIgnored() throws Exception {
        Transaction t = Transaction.fromJson(JSON.readTree("{\"isFraud\":0, \"TransactionAmt\":495.0,\"ProductCD\":\"W\",\"card4\":\"visa\","
                + "\"P_emaildomain\":\"live.com\",\"R_emaildomain\":null,\"M1\":\"T\",\"M2\":\"T\",\"M3\":\"T\"}"));
        assertEquals(495.0, t.amount());
        assertEquals("live.com", t.purchaserMail());
        assertNull(t.recipientMail());
        assertFalse(t.mailsDiffer(), "an unknown recipient is no mismatch");
    }

    @Test
    void aBadRowIsRefusedWithTheFieldAndWhatToSend() {
        ObjectNode row = Transactions.unlabelled(3, 1).get(0).toJson();
        ObjectNode missing = row.deepCopy();
        missing.remove("M2");
        assertMessage(missing, "missing M2");
        assertMessage(row.deepCopy().put("TransactionAmt", "12.50"), "TransactionAmt must be a number, got string \"12.50\"");
        assertMessage(row.deepCopy().put("TransactionAmt", -3.0), "TransactionAmt must be a number >= 0");
        assertMessage(row.deepCopy().put("M1", "yes"), "M1 must be \"T\" or \"F\", got string \"yes\"");
        assertMessage(row.deepCopy().put("card4", 4), "card4 must be a string, got number 4");
        assertThrows(Transaction.BadInput.class, () -> Transaction.fromJson(JSON.readTree("[1, 2]")));
    }

    @Test
    void theCommittedPayloadFileIsWhatTheGeneratorWrites() throws Exception {
        String expected = Transactions.jsonLines(Transactions.PAYLOAD_SEED, Transactions.PAYLOAD_ROWS);
        if (!Files.readString(PAYLOAD_FILE).equals(expected)) {
            Path fresh = Path.of("target/fraud-transactions.jsonl");
            Files.writeString(fresh, expected);
            throw new AssertionError(PAYLOAD_FILE + " differs from Transactions.jsonLines(PAYLOAD_SEED, PAYLOAD_ROWS); if the generator "
                    + "changed on purpose, copy " + fresh + " over it");
        }
        List<Payload> payloads = Payloads.load(PAYLOAD_FILE);
        List<Transaction> rows = Transactions.unlabelled(Transactions.PAYLOAD_SEED, Transactions.PAYLOAD_ROWS);
        assertEquals(rows.size(), payloads.size());
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(PAYLOAD_FILE + ":" + (i + 1), payloads.get(i).origin());
            assertEquals(rows.get(i), Transaction.fromJson(payloads.get(i).body()));
            payloads.get(i).body().forEach(v -> assertTrue(v.isValueNode() && !v.isNull(), "a V2 tensor cannot carry null"));
        }
    }

    private static double fraudRate(List<Transactions.Labelled> rows) {
        return rows.stream().filter(Transactions.Labelled::fraud).count() / (double) rows.size();
    }

    private static void assertMessage(ObjectNode row, String expected) {
        Transaction.BadInput e = assertThrows(Transaction.BadInput.class, () -> Transaction.fromJson(row));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }
}
