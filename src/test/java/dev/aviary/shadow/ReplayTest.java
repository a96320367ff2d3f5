package dev.aviary.shadow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aviary.analysis.Observation;
import dev.aviary.traffic.ArmEndpoints;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The replay runner against two real HTTP servers on 127.0.0.1. */
class ReplayTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant EVER = Instant.EPOCH;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) c.close();
    }

    static List<Payload> payloads(int... ids) {
        List<Payload> out = new ArrayList<>();
        for (int id : ids) out.add(new Payload("golden.jsonl:" + (id + 1), JSON.createObjectNode().set("ids", JSON.createArrayNode().add(id))));
        return out;
    }

    static ReplaySpec spec(double rate, int concurrency, Duration timeout) {
        return new ReplaySpec("golden.jsonl", new ProtocolSpec("test-labels", null, null, null, null, null), null, rate, concurrency,
                timeout, CompareSpec.TOP1);
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    /** A local port nothing listens on: connecting is refused. */
    static int closedPort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    ArmServer server(java.util.function.IntFunction<ArmServer.Answer> answers) throws Exception {
        ArmServer s = new ArmServer(answers);
        open.add(s);
        return s;
    }

    Replay replay(URI baseline, URI canary, List<Payload> payloads, ReplaySpec spec) {
        Replay r = new Replay("payments/fraud-detection agreement", new ArmEndpoints(new ArmEndpoints.Endpoint(baseline),
                new ArmEndpoints.Endpoint(canary, Map.of("x-aviary-arm", "canary")), "the policy's endpoints"), payloads,
                new ArmServer.LabelsProtocol(), spec, 42, Clock.systemUTC());
        open.add(r);
        return r;
    }

    @Test
    void everyAnsweredInstanceIsOnePairAndAgreesByTheComparator() throws Exception {
        ArmServer baseline = server(id -> ArmServer.Answer.label("L" + id));
        ArmServer canary = server(id -> ArmServer.Answer.label(id == 3 || id == 7 ? "X" : "L" + id));
        List<Payload> payloads = new ArrayList<>(payloads(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
        // a payload with two instances: one replay, two pairs
        payloads.add(new Payload("golden.jsonl:11", JSON.readTree("{\"ids\": [3, 4]}")));
        Replay r = replay(baseline.url(), canary.url(), payloads, spec(200, 8, Duration.ofSeconds(5))).start();
        await("300 pairs", () -> r.pairs(EVER) != null && r.pairs(EVER).compared() >= 300);

        Observation.Predictions seen = r.predictions(EVER);
        Observation.Pairs pairs = r.pairs(EVER);
        r.close();
        long compared = seen.baselineClasses().values().stream().mapToLong(Long::longValue).sum();
        long disagreeing = seen.baselineClasses().getOrDefault("L3", 0L) + seen.baselineClasses().getOrDefault("L7", 0L);
        if (pairs.compared() == compared) { // no replay completed between the two reads
            assertEquals(compared - disagreeing, pairs.agreed());
        }
        assertTrue(disagreeing > 0 && seen.canaryClasses().get("X") == disagreeing, seen.toString());
        // uniform draws over 11 payloads: every single-instance payload was replayed
        for (int id = 0; id < 10; id++) assertTrue(seen.baselineClasses().containsKey("L" + id), "L" + id + " never replayed");
        assertEquals(new ReplayFailuresView(0, 0), ReplayFailuresView.of(pairs));
        assertTrue(pairs.failures().sent() < pairs.compared(), "the two-instance payload gives two pairs per replay");
        assertTrue(baseline.requests.get() >= pairs.failures().sent());
        assertEquals("canary", canary.lastHeaders.get("x-aviary-arm"));
        assertEquals("application/json", baseline.lastHeaders.get("content-type"));
        // the window: nothing completed after now + 1s
        assertNull(r.pairs(Instant.now().plusSeconds(1)));
    }

    /** The failure counts of both arms, for one assertion. */
    record ReplayFailuresView(long baseline, long canary) {
        static ReplayFailuresView of(Observation.Pairs p) {
            return new ReplayFailuresView(p.failures().baseline(), p.failures().canary());
        }
    }

    @Test
    void replaysNeverStartFasterThanTheRate() throws Exception {
        ArmServer baseline = server(id -> ArmServer.Answer.label("a"));
        ArmServer canary = server(id -> ArmServer.Answer.label("a"));
        double rate = 20;
        long t0 = System.nanoTime();
        Replay r = replay(baseline.url(), canary.url(), payloads(0, 1, 2), spec(rate, 4, Duration.ofSeconds(5))).start();
        await("25 requests", () -> baseline.requests.get() >= 25);
        for (int look = 0; look < 5; look++) {
            int got = baseline.requests.get();
            double elapsed = (System.nanoTime() - t0) / 1e9;
            assertTrue(got <= rate * elapsed + 1, got + " requests in " + elapsed + "s at " + rate + "/s");
            Thread.sleep(100);
        }
        assertTrue(r.running());
    }

    @Test
    void noMoreThanConcurrencyRequestsAreInFlightPerArm() throws Exception {
        ArmServer baseline = server(id -> ArmServer.Answer.label("a").after(200));
        ArmServer canary = server(id -> ArmServer.Answer.label("a").after(50));
        replay(baseline.url(), canary.url(), payloads(0, 1, 2), spec(100, 3, Duration.ofSeconds(5))).start();
        await("20 requests to the slow arm", () -> baseline.requests.get() >= 20);
        assertTrue(baseline.maxInFlight.get() <= 3, "baseline had " + baseline.maxInFlight.get() + " in flight");
        assertTrue(canary.maxInFlight.get() <= 3, "canary had " + canary.maxInFlight.get() + " in flight");
        // the bound was reached, so it was what held the rate back
        assertTrue(baseline.maxInFlight.get() >= 2, "baseline had only " + baseline.maxInFlight.get() + " in flight");
    }

    @Test
    void aTimeoutA5xxAndAMalformedAnswerAreFailuresOfTheirArmNeverPairs() throws Exception {
        ArmServer baseline = server(id -> ArmServer.Answer.label("L" + id));
        ArmServer canary = server(id -> switch (id) {
            case 1 -> ArmServer.Answer.status(503);
            case 2 -> ArmServer.Answer.body("{\"outputs\": []}");
            case 3 -> ArmServer.Answer.label("late").after(1500);
            default -> ArmServer.Answer.label("L" + id);
        });
        Map<Integer, String> expected = Map.of(1, "HTTP 503", 2, "the answer has no \"predictions\" array", 3, "timed out after 300ms");
        for (int failing : new int[] {1, 2, 3}) {
            Replay r = replay(baseline.url(), canary.url(), payloads(0, failing), spec(100, 4, Duration.ofMillis(300))).start();
            await("failures of payload " + failing, () -> r.pairs(EVER) != null && r.pairs(EVER).failures().canary() >= 3
                    && r.pairs(EVER).compared() >= 3);
            Observation.Predictions seen = r.predictions(EVER);
            r.close();
            assertEquals(Set.of("L0"), seen.baselineClasses().keySet(), "a failed replay is never a pair");
            assertEquals(0, seen.failures().baseline());
            assertEquals(seen.failures().sent(), seen.baselineClasses().get("L0") + seen.failures().canary());
            assertEquals(expected.get(failing), seen.failures().canaryReason());
            assertNull(seen.failures().baselineReason());
        }
    }

    @Test
    void anArmThatIsDownKeepsTheSessionAliveAndTheOtherArmClean() throws Exception {
        ArmServer baseline = server(id -> ArmServer.Answer.label("a"));
        int closedPort = closedPort();
        Replay r = replay(baseline.url(), URI.create("http://127.0.0.1:" + closedPort), payloads(0, 1), spec(50, 4, Duration.ofSeconds(2)))
                .start();
        await("20 replays", () -> r.pairs(EVER) != null && r.pairs(EVER).failures().sent() >= 20);
        Observation.Pairs p = r.pairs(EVER);
        assertTrue(r.running());
        assertEquals(0, p.compared());
        assertEquals(p.failures().sent(), p.failures().canary());
        assertEquals(0, p.failures().baseline());
        assertEquals("connection refused", p.failures().canaryReason());
        // the baseline was asked all along
        assertTrue(baseline.requests.get() >= 20);
    }

    @Test
    void aPayloadTheProtocolCannotSendFailsBothArmsAndTheSessionGoesOn() throws Exception {
        ArmServer baseline = server(id -> ArmServer.Answer.label("a"));
        ArmServer canary = server(id -> ArmServer.Answer.label("a"));
        List<Payload> payloads = new ArrayList<>(payloads(0));
        payloads.add(new Payload("golden.jsonl:9", JSON.readTree("{\"rows\": []}")));
        Replay r = replay(baseline.url(), canary.url(), payloads, spec(100, 4, Duration.ofSeconds(2))).start();
        await("pairs and failures", () -> r.pairs(EVER) != null && r.pairs(EVER).compared() >= 5 && r.pairs(EVER).failures().canary() >= 5);
        Observation.Pairs p = r.pairs(EVER);
        assertEquals("payload golden.jsonl:9: no \"ids\" to send", p.failures().baselineReason());
        assertEquals(p.failures().baseline(), p.failures().canary());
        assertEquals(p.compared(), p.agreed());
    }

    @Test
    void aReasonNeverCarriesTheEndpointsCredentialsOrQuery() throws Exception {
        ArmServer baseline = server(id -> ArmServer.Answer.label("a"));
        int closedPort = closedPort();
        for (URI canary : List.of(URI.create("http://svc:hunter2@127.0.0.1:" + closedPort + "/?api_key=abc123"),
                URI.create("http://127.0.0.1:" + closedPort + "/?api_key=abc123"))) {
            Replay r = replay(baseline.url(), canary, payloads(0), spec(50, 2, Duration.ofSeconds(1))).start();
            await("failures", () -> r.pairs(EVER) != null && r.pairs(EVER).failures().canary() >= 2);
            String reason = r.pairs(EVER).failures().canaryReason();
            r.close();
            assertTrue(!reason.contains("hunter2") && !reason.contains("abc123") && !reason.isBlank(), reason);
            assertEquals(1, reason.lines().count(), reason);
        }
    }
}
