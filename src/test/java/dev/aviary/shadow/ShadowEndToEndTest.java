package dev.aviary.shadow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aviary.analysis.JudgeMemory;
import dev.aviary.analysis.Observation;
import dev.aviary.analysis.Outcome;
import dev.aviary.analysis.StepContext;
import dev.aviary.analysis.Verdict;
import dev.aviary.checks.CheckTypes;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;
import dev.aviary.policy.PolicyLoader;
import dev.aviary.sandbox.fraud.FraudModel;
import dev.aviary.sandbox.fraud.FraudModels;
import dev.aviary.sandbox.fraud.ModelServer;
import dev.aviary.sandbox.fraud.Transaction;
import dev.aviary.shadow.v2.OipSpec;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.TrafficRouters;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 9's "done when", end to end: the KServe tutorial's fraud classifiers, trained for real (XGBoost baseline,
 * random-forest canary, and the random forest trained on a cents export), served over real HTTP by {@link
 * ModelServer}, and Aviary's own replay path as the daemon wires it (a policy file read by the policy loader, the
 * {@link ShadowSource} with {@link Protocols#all()}, the real comparators, the shadow-agreement check's judge).
 * <p>
 * A recording proxy in front of each server keeps what went over the wire. For every protocol the pairs Aviary
 * counted are compared with the agreement the models have in-process on exactly the inputs Aviary sent; every V2
 * request and answer is checked against the official Open Inference Protocol spec. The replays run one at a time
 * per arm (concurrency 1), so the i-th request each proxy answered belongs to the i-th replay and the pairs can be
 * rebuilt from the wire exactly.
 */
@EnableKubernetesMockClient(crud = true)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShadowEndToEndTest {

    static KubernetesClient client;

    static final String MODEL = "fraud-classifier";
    static final Path PAYLOADS = Path.of("policies/fraud-transactions.jsonl").toAbsolutePath();
    /** Pairs each run reaches before it is frozen: a few seconds at 100 replays per second. */
    static final int PAIRS = 300;
    static final ArmLabels ARMS = new ArmLabels("fraud-classifier-predictor-00001", "fraud-classifier-predictor-00002",
            "fraud-classifier-predictor");
    static final Duration WINDOW = Duration.ofHours(1);
    static final ObjectMapper JSON = new ObjectMapper();

    private FraudModels models;
    private ModelServer xgb;
    private ModelServer rf;
    private ModelServer cents;
    private final OipSpec oip = OipSpec.load();
    private final CheckTypes types = new CheckTypes();
    private final List<AutoCloseable> open = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeAll
    void serve() throws Exception {
        models = FraudModels.train(FraudModels.SEED);
        xgb = ModelServer.start(MODEL, models.baseline(), ModelServer.Behaviour.HEALTHY, 1);
        rf = ModelServer.start(MODEL, models.goodCanary(), ModelServer.Behaviour.HEALTHY, 2);
        cents = ModelServer.start(MODEL, models.badCanary(), ModelServer.Behaviour.HEALTHY, 3);
    }

    @AfterAll
    void stopServers() {
        for (ModelServer s : List.of(xgb, rf, cents)) s.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        // newest first: the replay sessions stop before the proxies they send through
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
        open.clear();
    }

    /**
     * One way to ask the servers, as a policy writes it under source.replay.
     *
     * @param name   for messages
     * @param fields the replay's protocol fields, YAML, indented for the policy below
     */
    record Protocol(String name, String fields) {
        boolean v2() {
            return fields.contains("protocol: v2");
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Protocol> protocols() {
        return Stream.of(
                new Protocol("tfserving", "protocol: tfserving\n          model: " + MODEL),
                new Protocol("kserve-v1", "protocol: kserve-v1\n          model: " + MODEL),
                new Protocol("v2 predict_proba", "protocol: v2\n          model: " + MODEL
                        + "\n          output: predict_proba\n          labels: [legit, fraud]"),
                new Protocol("v2 label", "protocol: v2\n          model: " + MODEL + "\n          output: label"),
                new Protocol("json /classify", "protocol: json\n          path: /classify\n          prediction: /prediction"));
    }

    /** One policy's replay against one baseline and one canary, each behind a recording proxy. */
    final class Run {
        final String name;
        final FraudModel canaryModel;
        final RecordingProxy baseline;
        final RecordingProxy canary;
        final Policy policy;
        final CheckSpec check;

        Run(String name, Protocol protocol, ModelServer canaryServer) throws Exception {
            this(name, protocol, canaryServer.model(), new RecordingProxy(canaryServer.uri()));
        }

        Run(String name, Protocol protocol, FraudModel canaryModel, RecordingProxy canary) throws Exception {
            this(name, protocol, canaryModel, new RecordingProxy(xgb.uri()), null, canary, null);
        }

        /**
         * @param baselineUrl where the policy says the baseline is, null for the baseline proxy (a dead port, for
         *                    one test); {@code canaryUrl} likewise
         */
        Run(String name, Protocol protocol, FraudModel canaryModel, RecordingProxy baseline, URI baselineUrl, RecordingProxy canary,
                URI canaryUrl) throws Exception {
            this.name = name;
            this.canaryModel = canaryModel;
            this.baseline = baseline;
            this.canary = canary;
            open.add(baseline);
            open.add(canary);
            this.policy = policy(name, protocol, baselineUrl != null ? baselineUrl : baseline.uri(), canaryUrl != null ? canaryUrl : canary.uri());
            this.check = policy.checks().get(0);
        }

        Observation observe(ShadowSource source) {
            return source.observe(policy, check, ARMS, WINDOW);
        }

        Verdict judge(Observation o) {
            return types.judge(check).judge(check.name(), o, new StepContext(0.2, 0, 3, policy.alpha(), policy.minRequests()),
                    JudgeMemory.EMPTY);
        }
    }

    /** The policy a user would write, with the proxies as the arms' endpoints; loaded as the daemon loads it. */
    Policy policy(String name, Protocol protocol, URI baseline, URI canary) throws Exception {
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, """
                apiVersion: aviary.dev/v1
                kind: CanaryPolicy
                metadata:
                  name: %s
                  namespace: kserve-deployments
                spec:
                  target:
                    kserve:
                      inferenceService: fraud-classifier
                  steps:
                    - weight: 20
                      minDuration: 10m
                    - weight: 100
                  checks:
                    - name: agreement
                      type: shadow-agreement
                      minAgreement: 85%%
                      minPairs: 200
                      source:
                        replay:
                          payloads: %s
                          %s
                          endpoints: {baseline: "%s", canary: "%s"}
                          rate: 100
                          concurrency: 1
                          timeout: 2s
                          compare: top1
                  alpha: 0.01
                """.formatted(name, PAYLOADS, protocol.fields(), baseline, canary));
        return new PolicyLoader(types).load(file);
    }

    ShadowSource source() {
        ShadowSource s = new ShadowSource(types, TrafficRouters.of(), new StoredRequests(client), Protocols.all(), Clock.systemUTC());
        open.add(s);
        return s;
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    static long sent(Observation o) {
        return o instanceof Observation.Pairs p && p.failures() != null ? p.failures().sent() : -1;
    }

    static long compared(Observation o) {
        return o instanceof Observation.Pairs p ? p.compared() : -1;
    }

    /**
     * Holds every new request at both proxies and waits until the session has counted every replay that was answered
     * on both arms: from then on its pairs and the wire tell the same story.
     */
    static Observation.Pairs freeze(Run run, ShadowSource source) throws InterruptedException {
        run.baseline.mode(RecordingProxy.Mode.HOLD);
        run.canary.mode(RecordingProxy.Mode.HOLD);
        await(run.name + " to settle", () -> run.baseline.forwarding() == 0 && run.canary.forwarding() == 0
                && sent(run.observe(source)) == Math.min(run.baseline.exchanges().size(), run.canary.exchanges().size()));
        return assertInstanceOf(Observation.Pairs.class, run.observe(source));
    }

    /**
     * What the wire says: the replays answered 200 on both arms, how many of those the models agree on in-process,
     * and (V2) how many bodies were checked against the spec.
     */
    record Wire(int replays, int paired, int agreed, int failedCanary, int failedBaseline, int specChecked) {}

    Wire wire(Run run, Protocol protocol, long replays) throws Exception {
        List<RecordingProxy.Exchange> b = run.baseline.exchanges();
        List<RecordingProxy.Exchange> c = run.canary.exchanges();
        List<Transaction> paired = new ArrayList<>();
        int failedCanary = 0;
        int failedBaseline = 0;
        for (int i = 0; i < replays; i++) {
            assertEquals(b.get(i).request(), c.get(i).request(), run.name + ": replay " + i + " sent the same body to both arms");
            assertEquals(b.get(i).path(), c.get(i).path());
            if (b.get(i).status() != 200) failedBaseline++;
            if (c.get(i).status() != 200) failedCanary++;
            if (b.get(i).status() == 200 && c.get(i).status() == 200) paired.add(transaction(b.get(i).request()));
        }
        int checked = protocol.v2() ? specChecked(b) + specChecked(c) : 0;
        // offline: the same models, in-process, on exactly those inputs
        List<FraudModel.Verdict> first = models.baseline().predict(paired);
        List<FraudModel.Verdict> second = run.canaryModel.predict(paired);
        int agreed = 0;
        for (int i = 0; i < paired.size(); i++) if (first.get(i).label().equals(second.get(i).label())) agreed++;
        return new Wire((int) replays, paired.size(), agreed, failedCanary, failedBaseline, checked);
    }

    /** Checks every request sent and every 200 answer against the OIP spec; how many bodies it checked. */
    int specChecked(List<RecordingProxy.Exchange> exchanges) {
        int checked = 0;
        for (RecordingProxy.Exchange e : exchanges) {
            oip.assertValid(OipSpec.Body.REQUEST, e.request());
            checked++;
            if (e.status() == 200) {
                oip.assertValid(OipSpec.Body.RESPONSE, e.response());
                checked++;
            }
        }
        return checked;
    }

    /** The transaction a request body carries, whatever the protocol: read back from the wire, not from the payload file. */
    static Transaction transaction(String body) throws Exception {
        JsonNode request = JSON.readTree(body);
        if (request.has("instances")) {
            assertEquals(1, request.get("instances").size(), "one instance per replay: " + body);
            return Transaction.fromJson(request.get("instances").get(0));
        }
        if (request.has("inputs")) {
            ObjectNode row = JSON.createObjectNode();
            for (JsonNode input : request.get("inputs")) {
                assertEquals(1, input.get("data").size(), "one row per replay: " + input);
                row.set(input.get("name").asText(), input.get("data").get(0));
            }
            return Transaction.fromJson(row);
        }
        return Transaction.fromJson(request);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("protocols")
    void theAgreementAviaryMeasuresIsTheModelsAgreementOnTheInputsItSent(Protocol protocol) throws Exception {
        Run good = new Run("good", protocol, rf);
        Run bad = new Run("bad", protocol, cents);
        ShadowSource source = source();
        assertEquals(new Observation.Missing("replay started; no pairs yet"), good.observe(source));
        assertEquals(new Observation.Missing("replay started; no pairs yet"), bad.observe(source));
        await("pairs", () -> compared(good.observe(source)) >= PAIRS && compared(bad.observe(source)) >= PAIRS);

        for (Run run : List.of(good, bad)) {
            Observation.Pairs pairs = freeze(run, source);
            Wire wire = wire(run, protocol, pairs.failures().sent());
            assertTrue(wire.replays() >= PAIRS, run.name + ": " + wire);
            assertEquals(0, pairs.failures().baseline() + pairs.failures().canary(), run.name + ": healthy servers, no failure: " + pairs);
            assertEquals(wire.replays(), wire.paired(), run.name + ": every replay answered 200 on both arms");
            assertEquals(wire.paired(), pairs.compared(), run.name + ": one pair per replay answered on both arms");
            assertEquals(wire.agreed(), pairs.agreed(), run.name + ": agreed pairs as the models agree in-process on the inputs sent");
            if (protocol.v2()) {
                assertTrue(wire.specChecked() >= 4 * wire.replays(), run.name + ": each replay's request and answer on both arms, "
                        + "checked against the OIP spec: " + wire);
            }

            Verdict verdict = run.judge(pairs);
            System.out.printf(Locale.ROOT, "shadow e2e %-16s %-4s canary: %d of %d pairs agree (%.1f%%): %s%n", protocol, run.name,
                    pairs.agreed(), pairs.compared(), 100.0 * pairs.agreed() / pairs.compared(), verdict.message());
        }
        // measured over the wire: ~96-99% for the forest, ~58-66% for the forest trained on cents (85% required)
        Verdict goodVerdict = good.judge(good.observe(source));
        Verdict badVerdict = bad.judge(bad.observe(source));
        assertEquals(Outcome.PASS, goodVerdict.outcome(), goodVerdict.message());
        assertEquals(Outcome.FAIL, badVerdict.outcome(), badVerdict.message());
        if (protocol.v2()) {
            // the capture really saw V2 bodies: a request with typed inputs, an answer with the output asked about
            String request = good.baseline.exchanges().get(0).request();
            String answer = good.canary.exchanges().get(0).response();
            assertTrue(request.contains("\"datatype\":\"BYTES\"") && request.contains("\"name\":\"TransactionAmt\""), request);
            assertTrue(answer.contains("\"outputs\"") && answer.contains("\"model_name\":\"" + MODEL + "\""), answer);
        }
    }

    @Test
    void aCanaryFailingSomeReplaysGivesPairsOnlyFromTheOthersStillExact() throws Exception {
        Protocol v2 = protocols().filter(Protocol::v2).findFirst().orElseThrow();
        ModelServer flaky = ModelServer.start(MODEL, models.goodCanary(), new ModelServer.Behaviour(Duration.ZERO, 0.25), 4);
        open.add(flaky);
        Run run = new Run("flaky", v2, flaky);
        ShadowSource source = source();
        run.observe(source);
        await("pairs", () -> compared(run.observe(source)) >= 200);
        Observation.Pairs pairs = freeze(run, source);
        Wire wire = wire(run, v2, pairs.failures().sent());

        assertTrue(wire.failedCanary() > 20, "a quarter of the canary's answers are 500s: " + wire);
        assertEquals(0, wire.failedBaseline());
        assertEquals(wire.failedCanary(), pairs.failures().canary(), "each 500 is a failure of the canary: " + pairs);
        assertEquals(0, pairs.failures().baseline());
        assertEquals("HTTP 500", pairs.failures().canaryReason());
        assertEquals(wire.paired(), pairs.compared(), "a failed replay is no pair");
        assertEquals(wire.agreed(), pairs.agreed());
        assertEquals(wire.replays(), wire.paired() + wire.failedCanary());
        Verdict verdict = run.judge(pairs);
        assertTrue(verdict.outcome() != Outcome.NO_DATA && verdict.message().contains("failed replays: baseline 0, canary "
                + wire.failedCanary() + " of " + wire.replays()), verdict.message());
    }

    @Test
    void anArmDownFailingOrAnsweringGarbageGivesNoPairsAndNoDataWithTheReason() throws Exception {
        Protocol v2 = protocols().filter(Protocol::v2).findFirst().orElseThrow();
        RecordingProxy gone = new RecordingProxy(rf.uri());
        URI refused = gone.uri();
        gone.close();
        ModelServer failing = ModelServer.start(MODEL, models.goodCanary(), new ModelServer.Behaviour(Duration.ZERO, 1), 5);
        open.add(failing);
        RecordingProxy garbage = new RecordingProxy(rf.uri());
        garbage.mode(RecordingProxy.Mode.TRUNCATE);

        Run canaryDown = new Run("canary-down", v2, models.goodCanary(), new RecordingProxy(xgb.uri()), null, gone, refused);
        Run errors = new Run("errors", v2, failing);
        Run malformed = new Run("malformed", v2, models.goodCanary(), garbage);
        Run baselineDown = new Run("baseline-down", v2, models.goodCanary(), gone, refused, new RecordingProxy(rf.uri()), null);
        List<Run> runs = List.of(canaryDown, errors, malformed, baselineDown);
        ShadowSource source = source();
        runs.forEach(r -> r.observe(source));
        await("replays", () -> runs.stream().allMatch(r -> sent(r.observe(source)) >= 40));

        for (Run run : runs) {
            Observation.Pairs pairs = assertInstanceOf(Observation.Pairs.class, run.observe(source));
            boolean baselineFails = run == baselineDown;
            RecordingProxy healthy = baselineFails ? run.canary : run.baseline;
            assertEquals(0, pairs.compared(), run.name + ": no pair from a failing arm: " + pairs);
            assertEquals(pairs.failures().sent(), baselineFails ? pairs.failures().baseline() : pairs.failures().canary(),
                    run.name + ": every replay failed on the failing arm: " + pairs);
            assertEquals(0, baselineFails ? pairs.failures().canary() : pairs.failures().baseline(),
                    run.name + ": the other arm answered every replay: " + pairs);
            assertNull(baselineFails ? pairs.failures().canaryReason() : pairs.failures().baselineReason());
            assertTrue(healthy.exchanges().size() >= pairs.failures().sent(), run.name + ": the healthy arm was asked every time");
            assertTrue(specChecked(healthy.exchanges()) >= 2 * pairs.failures().sent(), run.name + ": every V2 request and answer");
            // what reached the failing arm was still a valid request; its answers were not accepted, so not checked
            for (RecordingProxy.Exchange e : (baselineFails ? run.baseline : run.canary).exchanges()) {
                oip.assertValid(OipSpec.Body.REQUEST, e.request());
            }
            Verdict verdict = run.judge(pairs);
            assertEquals(Outcome.NO_DATA, verdict.outcome(), verdict.message());
            assertTrue(verdict.message().startsWith("agreement: the " + (baselineFails ? "baseline" : "canary") + " failed "
                    + pairs.failures().sent() + " of " + pairs.failures().sent() + " replays (latest: "), verdict.message());
        }
        assertEquals("connection refused", canaryReason(canaryDown, source));
        assertEquals("HTTP 500", canaryReason(errors, source));
        assertTrue(canaryReason(malformed, source).startsWith("v2 answer is not JSON: "), canaryReason(malformed, source));
        assertTrue(garbage.exchanges().size() >= 40 && garbage.exchanges().stream().allMatch(e -> e.status() == 200),
                "the garbled answers were 200s: only their bodies were wrong");
        assertEquals("connection refused", ((Observation.Pairs) baselineDown.observe(source)).failures().baselineReason());
    }

    static String canaryReason(Run run, ShadowSource source) {
        return ((Observation.Pairs) run.observe(source)).failures().canaryReason();
    }
}
