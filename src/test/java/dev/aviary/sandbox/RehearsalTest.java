package dev.aviary.sandbox;

import dev.aviary.checks.Comparison;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.policy.Policy;
import dev.aviary.policy.PolicyLoader;
import dev.aviary.rollout.Phase;
import dev.aviary.sim.ArmBehaviour;
import dev.aviary.sim.MeshSimulator;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Preparing a rehearsal from a user's directories: what is read, synthesized, compressed and simulated. */
class RehearsalTest {

    private static final Path TUTORIAL = Path.of("src/test/resources/tutorial");
    private static final Rehearsal.Traffic TRAFFIC = new Rehearsal.Traffic(20, 0.1, null, 1);

    @Test
    void tutorialObjectsAreLoadedAsWrittenAndTheMissingWorkloadsSynthesizedOnce() {
        Rehearsal r = prepare(TUTORIAL.resolve("manifests"), TUTORIAL.resolve("policies"), CanaryScenario.GOOD);

        List<String> objects = r.contents().objects().stream().map(o -> o.getKind() + " " + o.getMetadata().getNamespace() + "/"
                + o.getMetadata().getName()).toList();
        assertEquals(List.of("Gateway default/image-classifier-gateway", "VirtualService default/image-classifier",
                "DestinationRule default/image-classifier", "Service default/image-classifier",
                "Deployment default/image-classifier-resnet50", "Deployment default/image-classifier-resnet101"), objects);
        assertEquals(3, r.notes().stream().filter(n -> n.startsWith("synthesized ")).count(), r.notes().toString());
        assertEquals(List.of(new Rehearsal.Expectation("default/image-classifier", CanaryScenario.GOOD)), r.expectations());
        assertEquals(Phase.Promoted, r.expectations().get(0).scenario().expected());
    }

    @Test
    void mirrorsTheScenarioOnTheCanaryAndScalesTheTrafficWithTime() {
        Rehearsal r = prepare(TUTORIAL.resolve("manifests"), TUTORIAL.resolve("policies"), CanaryScenario.ERRORS);
        assertEquals(5, r.time().factor(), "interval 10s runs at 2s");
        MeshSimulator.Service s = r.contents().services().get(0);
        assertEquals("image-classifier", s.host());
        assertEquals("networking.istio.io/v1alpha3", s.apiVersion());
        assertEquals(100, s.rps(), 1e-9, "20 rps, 5 times faster");
        assertEquals("user-group", s.header());
        assertEquals("canary", s.headerValue());
        assertEquals(Rehearsal.DEFAULT_BASELINE, s.versions().get("resnet50"));
        assertEquals(0.05, s.versions().get("resnet101").errorRate(), 1e-12);

        ArmBehaviour slow = CanaryScenario.LATENCY.canary(Rehearsal.DEFAULT_BASELINE);
        assertEquals(120, slow.latencyMedianMs(), 1e-9);
        assertEquals(Rehearsal.DEFAULT_BASELINE.errorRate(), slow.errorRate());
    }

    @Test
    void compressedPolicyValidatesWithEveryDurationDividedAndNoNotifications(@TempDir Path tmp) throws Exception {
        Path policies = Files.createDirectories(tmp.resolve("policies"));
        // defaults left out on purpose: the copy must write them out compressed
        Files.writeString(policies.resolve("p.yaml"), """
                apiVersion: aviary.dev/v1
                kind: CanaryPolicy
                metadata: {name: image-classifier, namespace: default}
                spec:
                  target:
                    istio:
                      virtualService: image-classifier
                      baseline: {subset: resnet50}
                      canary: {subset: resnet101}
                  steps:
                    - headerRoute: {header: user-group, exact: "30"}
                      minDuration: 5m
                    - weight: 30
                      minDuration: 10m
                    - weight: 100
                  alpha: 0.01
                  checks:
                    - name: errors
                      preset: istio-error-rate
                      tolerance: 10%
                    - name: latency
                      preset: istio-slow-requests
                      slowerThan: 250ms
                      tolerance: 20%
                  notify:
                    - webhook: {url: "https://hooks.example.com/aviary"}
                """);
        Rehearsal r = prepare(TUTORIAL.resolve("manifests"), policies, CanaryScenario.GOOD);
        assertEquals(15, r.time().factor(), "the default interval, 30s, runs at 2s");
        Policy copy = new PolicyLoader().parse(r.contents().policyFiles().get("p.yaml"), Path.of("copy.yaml"));
        assertEquals(Duration.ofSeconds(2), copy.interval());
        assertEquals(List.of(Duration.ofSeconds(20), Duration.ofSeconds(40), Duration.ofSeconds(2)),
                copy.steps().stream().map(s -> s.minDuration()).toList());
        assertEquals(Duration.ofMinutes(4), copy.maxStepDuration(), "1h / 15");
        assertEquals(Duration.ofSeconds(20), copy.noData().tolerate(), "5m / 15");
        assertEquals(Duration.ofMillis(250), ((Comparison.Spec) copy.checks().get(1)).slowerThan(), "a latency bound is not time: unchanged");
        assertEquals("30", copy.steps().get(0).headerRoute().value(), "a quoted value stays text");
        assertTrue(copy.notifications().isEmpty(), "a rehearsal never posts to a real webhook");
        assertEquals(Duration.ofMinutes(25), r.defaultTimeLimit(), "3 steps of at most 4m, 8m while short of data, and a minute");
    }

    @Test
    void workloadsTheManifestsRunAreUsedAndAMissingDestinationRuleIsSaid(@TempDir Path tmp) throws Exception {
        Path manifests = Files.createDirectories(tmp.resolve("manifests"));
        String tutorial = Files.readString(TUTORIAL.resolve("manifests/image-classifier.yaml"));
        Files.writeString(manifests.resolve("all.yml"), tutorial + """
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: image-classifier}
                spec:
                  selector: {app: image-classifier}
                  ports: [{port: 8501}]
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: resnet101-serving}
                spec:
                  selector: {matchLabels: {app: image-classifier, version: resnet101}}
                  template:
                    metadata: {labels: {app: image-classifier, version: resnet101, track: canary}}
                    spec: {containers: [{name: tfserving, image: "tensorflow/serving:2.14.1"}]}
                """);
        Rehearsal r = prepare(manifests, TUTORIAL.resolve("policies"), CanaryScenario.GOOD);
        List<String> synthesized = r.notes().stream().filter(n -> n.startsWith("synthesized ")).toList();
        assertEquals(1, synthesized.size(), r.notes().toString());
        assertTrue(synthesized.get(0).startsWith("synthesized Deployment default/image-classifier-resnet50 "), synthesized.get(0));

        Files.writeString(manifests.resolve("all.yml"), tutorial.substring(0, tutorial.indexOf("---")));
        Rehearsal noRule = prepare(manifests, TUTORIAL.resolve("policies"), CanaryScenario.GOOD);
        assertTrue(noRule.notes().stream().anyMatch(n -> n.startsWith("no DestinationRule for host image-classifier")), noRule.notes().toString());
        assertTrue(noRule.contents().services().get(0).versions().isEmpty(), "no subset resolves to pods: the mesh answers 503");
    }

    @Test
    void manifestsSkipWhatIsNotAnObjectAndReportBadYamlWithItsLine() {
        Manifests.Result r = Manifests.readText("""
                apiVersion: v1
                kind: List
                items:
                  - {apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: ml}}
                  - {apiVersion: v1, kind: Namespace, metadata: {name: ml}}
                ---
                ---
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources: [vs.yaml]
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: a, namespace: ml}
                data: {later: "yes"}
                """, "k.yaml");
        assertTrue(r.problems().isEmpty(), r.problems().toString());
        assertEquals(1, r.items().size());
        GenericKubernetesResource cm = r.items().get(0).object();
        assertEquals(Map.of("later", "yes"), cm.getAdditionalProperties().get("data"), "the later definition wins");
        assertEquals(3, r.notes().size(), r.notes().toString());
        assertTrue(r.notes().get(0).startsWith("k.yaml:1: skipped Namespace ml: cluster-scoped"), r.notes().get(0));
        assertTrue(r.notes().get(1).startsWith("k.yaml:8: skipped: no apiVersion, kind and metadata.name (Kustomization)"), r.notes().get(1));
        assertTrue(r.notes().get(2).startsWith("k.yaml:12: ConfigMap ml/a is also defined at k.yaml:1"), r.notes().get(2));

        Manifests.Result bad = Manifests.readText("apiVersion: v1\nkind: Service\nmetadata: {name: [x\n", "bad.yaml");
        assertEquals(1, bad.problems().size());
        assertTrue(bad.problems().get(0).matches("bad\\.yaml:\\d+:\\d+: not valid YAML: [^\\n]+"), bad.problems().get(0));
    }

    @Test
    void malformedObjectsAreOneLineEachNeverAnException(@TempDir Path tmp) throws Exception {
        Manifests.Result bad = Manifests.readText("apiVersion: v1\nkind: Service\nmetadata: {name: s, labels: [a, b]}\n", "s.yaml");
        assertEquals(1, bad.problems().size(), bad.problems().toString());
        assertTrue(bad.problems().get(0).matches("s\\.yaml:1: Service s is not a valid Kubernetes object: [^\\n]+"), bad.problems().get(0));

        Path manifests = Files.createDirectories(tmp.resolve("manifests"));
        Files.writeString(manifests.resolve("all.yaml"), Files.readString(TUTORIAL.resolve("manifests/image-classifier.yaml")) + """
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: resnet50}
                spec:
                  replicas: two
                  template: {metadata: {labels: {app: image-classifier, version: resnet50}}}
                """);
        Rehearsal r = prepare(manifests, TUTORIAL.resolve("policies"), CanaryScenario.GOOD);
        assertTrue(r.notes().stream().anyMatch(n -> n.matches(".*all\\.yaml:\\d+: Deployment default/resnet50 is not a valid Deployment,"
                + " so it runs no pods: [^\\n]+")), r.notes().toString());
        assertTrue(r.notes().stream().anyMatch(n -> n.startsWith("synthesized Deployment default/image-classifier-resnet50 ")),
                r.notes().toString());
    }

    @Test
    void aDumpNeverClearsADirectoryItDidNotWrite(@TempDir Path tmp) throws Exception {
        assertNull(Dump.unusable(tmp.resolve("new")));
        assertNull(Dump.unusable(tmp), "empty");
        Files.writeString(tmp.resolve("vs.yaml"), "kind: VirtualService\n");
        assertNotNull(Dump.unusable(tmp));
        Files.writeString(tmp.resolve(Dump.MARKER), "");
        assertNull(Dump.unusable(tmp), "an earlier dump");
        assertNotNull(Dump.unusable(tmp.resolve("vs.yaml")), "a file");
    }

    @Test
    void demoIsAGoodAndABadCanaryInRealTime() {
        Rehearsal demo = Rehearsal.demo();
        assertTrue(demo.time().isRealTime());
        assertEquals(List.of(new Rehearsal.Expectation("default/image-classifier", CanaryScenario.GOOD),
                new Rehearsal.Expectation("payments/fraud-detector", CanaryScenario.ERRORS)), demo.expectations());
        assertFalse(demo.notes().stream().anyMatch(n -> n.startsWith("synthesized")), "the demo brings its own workloads: " + demo.notes());
    }

    @Test
    void payloadFilesBesideAPolicyAreCopiedBesideItInTheSandboxAndOnesOutsideItRefused(@TempDir Path tmp) throws Exception {
        Path policies = Files.createDirectories(tmp.resolve("policies"));
        Files.createDirectories(policies.resolve("payloads"));
        String rows = "{\"TransactionAmt\": 69.74, \"ProductCD\": \"C\"}\n{\"TransactionAmt\": 10.43, \"ProductCD\": \"S\"}\n";
        Files.writeString(policies.resolve("payloads/golden.jsonl"), rows);
        Files.writeString(tmp.resolve("elsewhere.jsonl"), rows);
        String policy = Files.readString(TUTORIAL.resolve("policies/image-classifier.yaml"));
        Files.writeString(policies.resolve("image-classifier.yaml"), withAgreement(policy, "payloads/golden.jsonl"));

        Rehearsal r = prepare(TUTORIAL.resolve("manifests"), policies, CanaryScenario.DISAGREES);
        assertEquals(Map.of("payloads/golden.jsonl", rows), r.contents().files(), "the sandbox's copy of the policy reads them there");
        assertEquals(Phase.RolledBack, r.expectations().get(0).scenario().expected());

        Files.writeString(policies.resolve("image-classifier.yaml"), withAgreement(policy, "../elsewhere.jsonl"));
        Rehearsal.Prepared outside = Rehearsal.prepare(TUTORIAL.resolve("manifests"), policies, CanaryScenario.GOOD, TRAFFIC);
        assertFalse(outside.ok());
        assertEquals(1, outside.problems().size(), outside.problems().toString());
        assertTrue(outside.problems().get(0).contains("check agreement: payloads " + tmp.resolve("elsewhere.jsonl") + " are outside the"
                + " policy's directory"), outside.problems().toString());
    }

    /** The tutorial's policy with a replay agreement check reading {@code payloads}. */
    private static String withAgreement(String policy, String payloads) {
        return policy + """
                    - name: agreement
                      type: shadow-agreement
                      minAgreement: 95%%
                      source:
                        replay:
                          payloads: %s
                          protocol: json
                          path: /classify
                          prediction: /prediction
                          endpoints: {baseline: "http://127.0.0.1:9001", canary: "http://127.0.0.1:9002"}
                """.formatted(payloads);
    }

    private static Rehearsal prepare(Path manifests, Path policies, CanaryScenario scenario) {
        Rehearsal.Prepared p = Rehearsal.prepare(manifests, policies, scenario, TRAFFIC);
        assertTrue(p.ok(), p.problems().toString());
        return p.rehearsal();
    }
}
