package dev.aviary.shadow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.analysis.Observation;
import dev.aviary.metrics.Measure;
import dev.aviary.metrics.Measures;
import dev.aviary.metrics.RequestMetrics;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.IstioTarget;
import dev.aviary.policy.Policy;
import dev.aviary.policy.Step;
import dev.aviary.traffic.ArmEndpoints;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.TargetException;
import dev.aviary.traffic.TrafficRouter;
import dev.aviary.traffic.TrafficRouters;
import dev.aviary.traffic.TrafficSplit;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replay source as the controller asks it, tick by tick: sessions per policy and check against real HTTP arms,
 * payloads from files and from ConfigMaps in the mock API server (CRUD mode), restarts, idle stops, and the reasons
 * it gives when it cannot answer.
 */
@EnableKubernetesMockClient(crud = true)
class ShadowSourceTest {

    static KubernetesClient client;
    static KubernetesMockServer server;

    static final ArmLabels ARMS = new ArmLabels("v1", "v2", "fraud-classifier");
    static final Duration STEP = Duration.ofMinutes(10);

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final ShiftedClock clock = new ShiftedClock();
    private final PinningRouter router = new PinningRouter();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) c.close();
    }

    /** The system clock, moved forward by the test when it wants time to have passed. */
    static final class ShiftedClock extends Clock {
        private volatile Duration shift = Duration.ZERO;

        void advance(Duration d) {
            shift = shift.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(shift);
        }
    }

    /** A router that derives arm endpoints the way the test says (the real routers' derivations are tested with them). */
    static final class PinningRouter implements TrafficRouter<IstioTarget> {
        volatile ArmEndpoints endpoints;
        volatile String cannot;

        @Override
        public Class<IstioTarget> targetType() {
            return IstioTarget.class;
        }

        @Override
        public ArmLabels armLabels(IstioTarget target, String namespace) {
            return ARMS;
        }

        @Override
        public LiveTraffic read(IstioTarget target, String namespace) {
            throw new UnsupportedOperationException("the shadow source never reads traffic");
        }

        @Override
        public String apply(IstioTarget target, String namespace, TrafficSplit desired, String resourceVersion) {
            throw new UnsupportedOperationException("the shadow source never moves traffic");
        }

        @Override
        public ArmEndpoints endpoints(IstioTarget target, String namespace, ArmLabels arms) throws TargetException {
            if (cannot != null) throw new TargetException.Invalid(cannot);
            return endpoints;
        }
    }

    /** A check as the checks helper's shadow-agreement spec will be: a name and its measure. */
    record ReplayCheck(String name, Measure measure) implements CheckSpec {}

    static final Measures MEASURES = new Measures() {
        @Override
        public Measure of(CheckSpec check) {
            return ((ReplayCheck) check).measure();
        }

        @Override
        public RequestMetrics requests(Policy policy) {
            throw new UnsupportedOperationException("not asked by the shadow source");
        }
    };

    ShadowSource source() {
        ShadowSource s = new ShadowSource(MEASURES, TrafficRouters.of(router), new StoredRequests(client),
                List.of(new ArmServer.LabelsProtocol()), clock);
        open.add(s);
        return s;
    }

    ArmServer arm(String prefix) throws Exception {
        ArmServer s = new ArmServer(id -> ArmServer.Answer.label(prefix + id));
        open.add(s);
        return s;
    }

    Policy policy(CheckSpec... checks) {
        return policy("payments", checks);
    }

    Policy policy(String namespace, CheckSpec... checks) {
        return new Policy("fraud-detection", namespace,
                new IstioTarget("fraud-classifier", null, new IstioTarget.Arm("v1", null, null), new IstioTarget.Arm("v2", null, null)),
                Duration.ofSeconds(10), List.of(new Step(50, null, null, Duration.ofMinutes(5))), Duration.ofHours(1),
                Policy.TimeoutAction.ROLLBACK, new Policy.NoDataRule(Duration.ofMinutes(5), Policy.TimeoutAction.PAUSE), List.of(checks),
                0.05, 100, List.of(), dir.resolve("fraud-detection.yaml"), "hash");
    }

    static ReplaySpec spec(String payloads, ArmEndpoints endpoints) {
        return new ReplaySpec(payloads, new ProtocolSpec("test-labels", null, null, null, null, null), endpoints, 50, 4,
                Duration.ofSeconds(2), CompareSpec.TOP1);
    }

    static ArmEndpoints endpoints(ArmServer baseline, ArmServer canary) {
        return new ArmEndpoints(new ArmEndpoints.Endpoint(baseline.url()), new ArmEndpoints.Endpoint(canary.url()), "the test's");
    }

    void writePayloads(String name, int n) throws Exception {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) s.append("{\"ids\": [").append(i).append("]}\n");
        Files.createDirectories(dir.resolve(name).getParent());
        Files.writeString(dir.resolve(name), s);
    }

    /** Ask as the controller does each tick until the source answers with pairs. */
    static Observation.Pairs pairs(ShadowSource source, Policy policy, CheckSpec check, Duration window) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            Observation o = source.observe(policy, check, ARMS, window);
            if (o instanceof Observation.Pairs p && p.compared() >= 5) return p;
            if (System.nanoTime() > deadline) throw new AssertionError("no pairs: " + o);
            Thread.sleep(50);
        }
    }

    static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    @Test
    void thePolicysEndpointsAndAPayloadFileNextToThePolicyGivePairsOverTheWindow() throws Exception {
        writePayloads("payloads/transactions.jsonl", 5);
        ArmServer baseline = arm("L");
        ArmServer canary = arm("L");
        ReplayCheck check = new ReplayCheck("agreement",
                new ReplayMeasure("agreement", spec("payloads/transactions.jsonl", endpoints(baseline, canary)), false));
        ShadowSource source = source();
        Policy policy = policy(check);

        assertEquals(new Observation.Missing("replay started; no pairs yet"), source.observe(policy, check, ARMS, STEP));
        Observation.Pairs p = pairs(source, policy, check, STEP);
        assertEquals(p.compared(), p.agreed());
        assertEquals(Set.of("payments/fraud-detection agreement"), source.running());
        // a window that ends before any replay completed has none: the step just began
        Observation none = source.observe(policy, check, ARMS, Duration.ZERO);
        assertTrue(none instanceof Observation.Missing m && m.reason().matches("replay started \\d+s ago; no pairs yet"), none.toString());

        ReplayCheck drift = new ReplayCheck("drift",
                new ReplayMeasure("drift", spec("payloads/transactions.jsonl", endpoints(baseline, canary)), true));
        source.observe(policy(check, drift), drift, ARMS, STEP);
        await("predictions", () -> source.observe(policy(check, drift), drift, ARMS, STEP) instanceof Observation.Predictions);
        Observation.Predictions seen = (Observation.Predictions) source.observe(policy(check, drift), drift, ARMS, STEP);
        assertTrue(seen.baselineClasses().keySet().stream().allMatch(l -> l.matches("L[0-4]")), seen.baselineClasses().toString());
        assertEquals(Set.of("payments/fraud-detection agreement", "payments/fraud-detection drift"), source.running());
    }

    @Test
    void derivedEndpointsComeFromTheTargetsRouterAndANewCanaryRestartsTheSession() throws Exception {
        writePayloads("golden.jsonl", 3);
        ArmServer baseline = arm("L");
        ArmServer oldCanary = arm("L");
        ArmServer newCanary = arm("N");
        router.endpoints = endpoints(baseline, oldCanary);
        ReplayCheck check = new ReplayCheck("agreement", new ReplayMeasure("agreement", spec("golden.jsonl", null), false));
        ShadowSource source = source();
        Policy policy = policy(check);
        source.observe(policy, check, ARMS, STEP);
        assertEquals(pairs(source, policy, check, STEP).compared(), pairs(source, policy, check, STEP).agreed());

        router.endpoints = endpoints(baseline, newCanary);
        assertEquals(new Observation.Missing("replay restarted: the endpoints changed; no pairs yet"), source.observe(policy, check, ARMS, STEP));
        await("the new canary asked", () -> newCanary.requests.get() >= 5);
        int oldCount = oldCanary.requests.get();
        Observation.Pairs p = pairs(source, policy, check, STEP);
        assertEquals(0, p.agreed(), "every pair is the new canary's, which disagrees: " + p);
        Thread.sleep(200);
        assertTrue(oldCanary.requests.get() <= oldCount + 4, "the old session stopped (at most its in-flight requests after)");
    }

    @Test
    void aRestartedSessionDrawsAFreshSequenceSoPooledPairsStayIndependent() throws Exception {
        writePayloads("many.jsonl", 1000);
        ArmServer baseline = arm("L");
        ArmServer canary = arm("L");
        ReplayCheck check = new ReplayCheck("agreement", new ReplayMeasure("agreement", spec("many.jsonl", endpoints(baseline, canary)), false));
        ShadowSource source = source();
        Policy policy = policy(check);
        source.observe(policy, check, ARMS, STEP);
        await("replays", () -> baseline.ids.size() >= 20);
        List<Integer> first = List.copyOf(baseline.ids.subList(0, 20));
        clock.advance(ShadowSource.MIN_IDLE.plusSeconds(1));
        source.stopIdle(clock.instant());
        assertEquals(Set.of(), source.running());
        Thread.sleep(100);
        int before = baseline.ids.size();
        source.observe(policy, check, ARMS, STEP); // the same check, settings and arms: a new session
        await("replays after the restart", () -> baseline.ids.size() >= before + 20);
        List<Integer> second = List.copyOf(baseline.ids.subList(before, before + 20));
        assertNotEquals(first, second, "the same draws again would count the same answers twice");
    }

    @Test
    void aSessionNotAskedAboutForThreeIntervalsButAtLeastTwoMinutesStops() throws Exception {
        writePayloads("golden.jsonl", 3);
        ArmServer baseline = arm("L");
        ArmServer canary = arm("L");
        ReplayCheck check = new ReplayCheck("agreement", new ReplayMeasure("agreement", spec("golden.jsonl", endpoints(baseline, canary)), false));
        ShadowSource source = source();
        Policy policy = policy(check);
        source.observe(policy, check, ARMS, STEP);
        await("replays", () -> baseline.requests.get() >= 5);

        clock.advance(Duration.ofSeconds(31)); // the policy's interval is 10s: three intervals are not enough
        source.stopIdle(clock.instant());
        assertEquals(Set.of("payments/fraud-detection agreement"), source.running());
        clock.advance(ShadowSource.MIN_IDLE.minusSeconds(32));
        source.stopIdle(clock.instant());
        assertEquals(Set.of("payments/fraud-detection agreement"), source.running(), "a step settling asks nothing for a while");
        clock.advance(Duration.ofSeconds(2));
        source.stopIdle(clock.instant());
        assertEquals(Set.of(), source.running());
        Thread.sleep(100);
        int after = baseline.requests.get();
        Thread.sleep(300);
        assertEquals(after, baseline.requests.get(), "no replay after the session stopped");
    }

    @Test
    void payloadsInAConfigMapOfThePolicysNamespaceAreReplayed() throws Exception {
        // "default", the namespace k8s/rbac-payloads.yaml grants as its example
        client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName("fraud-golden").endMetadata()
                .withData(Map.of("transactions.jsonl", "{\"ids\": [1]}\n{\"ids\": [2]}\n")).build()).create();
        client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName("broken").endMetadata()
                .withData(Map.of("transactions.jsonl", "{\"ids\": [1]}\n{\"ids\": [2}\n")).build()).create();
        // a ConfigMap of another namespace is not the policy's (created by the test: Aviary never reads there)
        client.configMaps().inNamespace("payments").resource(new ConfigMapBuilder().withNewMetadata().withName("other-team").endMetadata()
                .withData(Map.of("transactions.jsonl", "{\"ids\": [9]}\n")).build()).create();
        ArmServer baseline = arm("L");
        ArmServer canary = arm("L");
        ShadowSource source = source();
        ReplayCheck check = new ReplayCheck("agreement",
                new ReplayMeasure("agreement", spec("configmap/fraud-golden", endpoints(baseline, canary)), false));
        ReplayCheck drift = new ReplayCheck("drift", new ReplayMeasure("drift", spec("configmap/fraud-golden", endpoints(baseline, canary)), true));
        Policy policy = policy("default", check, drift);
        source.observe(policy, check, ARMS, STEP);
        pairs(source, policy, check, STEP);
        source.observe(policy, drift, ARMS, STEP);
        await("predictions", () -> source.observe(policy, drift, ARMS, STEP) instanceof Observation.Predictions p
                && p.baselineClasses().size() == 2);
        Observation.Predictions seen = (Observation.Predictions) source.observe(policy, drift, ARMS, STEP);
        assertEquals(Set.of("L1", "L2"), seen.baselineClasses().keySet());

        ReplayCheck broken = new ReplayCheck("broken", new ReplayMeasure("broken", spec("configmap/broken", endpoints(baseline, canary)), false));
        Observation o = source.observe(policy("default", broken), broken, ARMS, STEP);
        assertTrue(o instanceof Observation.Missing m && m.reason().startsWith("payloads: configmap/broken/transactions.jsonl:2: not valid JSON: "),
                o.toString());
        ReplayCheck elsewhere = new ReplayCheck("elsewhere", new ReplayMeasure("elsewhere", spec("configmap/other-team", endpoints(baseline, canary)), false));
        assertEquals(new Observation.Missing("payloads: configmap/other-team: no such ConfigMap in namespace default"),
                source.observe(policy("default", elsewhere), elsewhere, ARMS, STEP));
        assertEquals(Set.of("default/fraud-detection agreement", "default/fraud-detection drift"), source.running());
    }

    @Test
    void aNamespaceWhoseConfigMapsAviaryMayNotReadSaysWhichGrantIsMissing() {
        // as when the operator has not applied k8s/rbac-payloads.yaml for this namespace: the API server answers 403
        server.expect().get().withPath("/api/v1/namespaces/default/configmaps/fraud-golden")
                .andReturn(403, new io.fabric8.kubernetes.api.model.StatusBuilder().withCode(403).withReason("Forbidden").build()).once();
        ReplayCheck check = new ReplayCheck("agreement", new ReplayMeasure("agreement", spec("configmap/fraud-golden",
                new ArmEndpoints(new ArmEndpoints.Endpoint(URI.create("http://127.0.0.1:9")), new ArmEndpoints.Endpoint(URI.create("http://127.0.0.1:9")),
                        "the test's")), false));
        assertEquals(new Observation.Missing("payloads: configmap/fraud-golden: Aviary may not read ConfigMaps in namespace default: an"
                + " operator grants it per namespace with a Role and RoleBinding (k8s/rbac-payloads.yaml)"),
                source().observe(policy("default", check), check, ARMS, STEP));
    }

    @Test
    void whatTheSourceCannotDoIsMissingWithTheReason() throws Exception {
        Files.writeString(dir.resolve("broken.jsonl"), "{\"ids\": [1]}\n\n{\"ids\": 2]}\n");
        writePayloads("golden.jsonl", 2);
        ShadowSource source = source();
        ReplayCheck derived = new ReplayCheck("agreement", new ReplayMeasure("agreement", spec("golden.jsonl", null), false));
        router.cannot = "VirtualService fraud-classifier has no route to pin the arms to";
        assertEquals(new Observation.Missing("endpoints unknown: VirtualService fraud-classifier has no route to pin the arms to"),
                source.observe(policy(derived), derived, ARMS, STEP));

        ArmEndpoints somewhere = new ArmEndpoints(new ArmEndpoints.Endpoint(URI.create("http://127.0.0.1:9")),
                new ArmEndpoints.Endpoint(URI.create("http://127.0.0.1:9")), "the test's");
        ReplayCheck broken = new ReplayCheck("agreement", new ReplayMeasure("agreement", spec("broken.jsonl", somewhere), false));
        Observation o = source.observe(policy(broken), broken, ARMS, STEP);
        assertTrue(o instanceof Observation.Missing m && m.reason().startsWith("payloads: " + dir.resolve("broken.jsonl") + ":3: not valid JSON: "),
                o.toString());

        ReplaySpec v3 = new ReplaySpec("golden.jsonl", new ProtocolSpec("v3", null, null, null, null, null), somewhere, 1, 1,
                Duration.ofSeconds(1), CompareSpec.TOP1);
        ReplayCheck unknown = new ReplayCheck("agreement", new ReplayMeasure("agreement", v3, false));
        assertEquals(new Observation.Missing("protocol v3 is not in this build of Aviary (it has test-labels)"),
                source.observe(policy(unknown), unknown, ARMS, STEP));

        ReplayCheck notReplay = new ReplayCheck("errors", new Measure.AgreementCounts("agree", "total", "errors"));
        assertInstanceOf(Observation.Missing.class, source.observe(policy(notReplay), notReplay, ARMS, STEP));
        assertEquals(Set.of(), source.running());
    }
}
