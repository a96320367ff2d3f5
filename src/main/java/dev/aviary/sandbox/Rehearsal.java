package dev.aviary.sandbox;

import dev.aviary.policy.KServeTarget;
import dev.aviary.policy.Policy;
import dev.aviary.policy.PolicyException;
import dev.aviary.policy.PolicyLinter;
import dev.aviary.policy.PolicyLoader;
import dev.aviary.policy.Problem;
import dev.aviary.policy.Step;
import dev.aviary.sandbox.fraud.Transactions;
import dev.aviary.sim.ArmBehaviour;
import dev.aviary.sim.MeshSimulator;
import dev.aviary.sim.kserve.KServeSimulator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A rollout rehearsed in the sandbox: the objects to put in the mock API server (the user's manifests, plus the
 * Services and Deployments they leave out), the policies as the sandbox runs them (compressed in time), the traffic
 * the mesh simulator sends, and how each rollout must end for its policy to have done its job.
 *
 * @param contents     what goes into the sandbox
 * @param expectations one per policy, in the policies' order
 * @param notes        what was synthesized, skipped or will answer 503, one line each
 * @param time         how much faster than real time the policies run
 * @param policies     the policies as the user wrote them (for describing the time compression)
 * @param rps          requests per second a service gets in real time (the simulator sends {@code rps x time.factor()})
 */
public record Rehearsal(Sandbox.Contents contents, List<Expectation> expectations, List<String> notes, TimeScale time, List<Policy> policies,
        double rps) {

    /** The baseline of a user's service: 1% errors, a log-normal latency with an 80 ms median (p99 about 255 ms). */
    public static final ArmBehaviour DEFAULT_BASELINE = new ArmBehaviour(0.01, 80, 0.5);
    public static final double DEFAULT_RPS = 20;
    /** Share of requests that carry the header of a header-route step (a test group). */
    public static final double DEFAULT_HEADER_SHARE = 0.1;

    /** Policy {@code policy} must end in {@code scenario.expected()}. */
    public record Expectation(String policy, CanaryScenario scenario) {}

    /** A rehearsal, or why there cannot be one (each problem one line, {@code file:line:col: ...} where known). */
    public record Prepared(Rehearsal rehearsal, List<String> problems) {
        public Prepared {
            problems = List.copyOf(problems);
        }

        static Prepared failed(List<String> problems) {
            return new Prepared(null, problems);
        }

        public boolean ok() {
            return rehearsal != null;
        }
    }

    /**
     * What the simulated mesh sends.
     *
     * @param rps         requests per second per service, in real time
     * @param headerShare share of requests carrying a header step's header
     * @param speed       how many times faster than real time; null picks the fastest the policies allow
     */
    public record Traffic(double rps, double headerShare, Integer speed, long seed) {}

    public Rehearsal {
        expectations = List.copyOf(expectations);
        notes = List.copyOf(notes);
        policies = List.copyOf(policies);
    }

    /** Long enough for every rollout to end by its own timeouts, bounded so a run never hangs. */
    public Duration defaultTimeLimit() {
        Duration longest = policies.stream().map(time::longestRollout).max(Duration::compareTo).orElse(Duration.ZERO);
        Duration limit = longest.plusMinutes(1);
        return limit.compareTo(Duration.ofHours(1)) > 0 ? Duration.ofHours(1) : limit;
    }

    /** The user's manifests and policies, every rollout facing {@code scenario}. */
    public static Prepared prepare(Path manifests, Path policies, CanaryScenario scenario, Traffic traffic) {
        List<String> problems = new ArrayList<>();
        Manifests.Result cluster = Manifests.readDirectory(manifests);
        problems.addAll(cluster.problems());
        List<Loaded> loaded = new ArrayList<>();
        if (!Files.isDirectory(policies)) {
            problems.add(policies + ": no such directory (--policies names the directory holding your CanaryPolicy files)");
        } else {
            PolicyLinter.Report report = new PolicyLinter().lint(List.of(policies));
            report.problems().stream().map(Problem::toString).forEach(problems::add);
            if (report.files().isEmpty()) problems.add(policies + ": no policy files (*.yaml or *.yml)");
            for (Policy p : report.policies()) {
                try {
                    loaded.add(new Loaded(p, Files.readString(p.source(), StandardCharsets.UTF_8), p.source().getFileName().toString()));
                } catch (IOException e) {
                    problems.add(p.source() + ": cannot read the file: " + e.getMessage());
                }
            }
        }
        Map<String, String> files = new LinkedHashMap<>();
        for (Loaded l : loaded) files.putAll(ReplayFiles.of(l.policy(), problems));
        if (!problems.isEmpty()) return Prepared.failed(problems);
        return build(cluster, loaded, p -> scenario, p -> DEFAULT_BASELINE, traffic, files, List.of());
    }

    /**
     * The demo: ResNet50 → ResNet101, a good canary, and XGBoost v7 → v8 with five times the errors, side by side,
     * on the built-in manifests and policies (already short: they run in real time).
     */
    public static Rehearsal demo() {
        Manifests.Result cluster = Manifests.readResources(List.of("sandbox/cluster/image-classifier.yaml", "sandbox/cluster/fraud-detector.yaml"));
        List<Loaded> policies = new ArrayList<>();
        for (String resource : List.of("sandbox/policies/image-classifier.yaml", "sandbox/policies/fraud-detector.yaml")) {
            policies.add(builtIn(resource, resource(resource), Path.of(resource).getFileName().toString()));
        }
        Map<String, CanaryScenario> scenarios = Map.of("default/image-classifier", CanaryScenario.GOOD, "payments/fraud-detector",
                CanaryScenario.ERRORS);
        Map<String, ArmBehaviour> baselines = Map.of("default/image-classifier", new ArmBehaviour(0.01, 80, 0.5),
                "payments/fraud-detector", new ArmBehaviour(0.01, 30, 0.5));
        Prepared p = build(cluster, policies, policy -> scenarios.get(policy.key()), policy -> baselines.get(policy.key()),
                new Traffic(100, 0.2, null, 42), Map.of(), List.of());
        if (!p.ok()) throw new IllegalStateException("the built-in demo does not prepare: " + p.problems());
        return p.rehearsal();
    }

    /** The namespace of the KServe demo's bad canary; the good one is the tutorial's, kserve-deployments. */
    public static final String KSERVE_BAD_NAMESPACE = "kserve-regression";

    /**
     * The KServe demo: the tutorial's fraud classifier, XGBoost rolled out as revision 00001, then the random forest
     * applied as a canary at the policy's first step, twice: in kserve-deployments a good one (expect promotion: the
     * field removed), in {@value #KSERVE_BAD_NAMESPACE} one with five times the errors (expect canaryTrafficPercent: 0).
     */
    public static Rehearsal kserveDemo() {
        String policyResource = "sandbox/kserve/fraud-classifier-policy.yaml";
        String policyText = resource(policyResource);
        Loaded good = builtIn(policyResource, policyText, "fraud-classifier.yaml");
        Loaded bad = builtIn(policyResource, policyText.replace("namespace: kserve-deployments", "namespace: " + KSERVE_BAD_NAMESPACE),
                "fraud-classifier-regression.yaml");
        Map<String, CanaryScenario> scenarios = Map.of(good.policy().key(), CanaryScenario.GOOD, bad.policy().key(), CanaryScenario.ERRORS);
        Prepared p = build(kserveCluster(good.policy()), List.of(good, bad), policy -> scenarios.get(policy.key()),
                policy -> new ArmBehaviour(0.01, 30, 0.5), new Traffic(100, 0, null, 42), Map.of(), List.of());
        if (!p.ok()) throw new IllegalStateException("the built-in KServe demo does not prepare: " + p.problems());
        return p.rehearsal();
    }

    /** Where the shadow demo's policies find their stored transactions, relative to the policies directory. */
    public static final String SHADOW_PAYLOADS = "payloads/fraud-transactions.jsonl";

    /**
     * The shadow demo: the KServe demo's two InferenceServices, both canaries serving exactly like the baseline, each
     * policy with a shadow-agreement check replaying the committed transactions to real fraud models over HTTP
     * ({@link Sandbox.ModelServing}): in kserve-deployments the random forest over V2 (agrees: expect promotion), in
     * {@value #KSERVE_BAD_NAMESPACE} the random forest trained on amounts in cents over BentoML-style JSON (disagrees:
     * expect a rollback by the agreement check).
     */
    public static Rehearsal shadowDemo() {
        // byte for byte policies/fraud-transactions.jsonl (TransactionsTest holds the two together)
        Map<String, String> files = Map.of(SHADOW_PAYLOADS, Transactions.jsonLines(Transactions.PAYLOAD_SEED, Transactions.PAYLOAD_ROWS));
        List<Loaded> policies = besideFiles(List.of("sandbox/shadow/fraud-classifier-v2.yaml", "sandbox/shadow/fraud-classifier-bentoml.yaml"),
                files);
        Loaded good = policies.get(0), bad = policies.get(1);
        Map<String, CanaryScenario> scenarios = Map.of(good.policy().key(), CanaryScenario.GOOD, bad.policy().key(),
                CanaryScenario.DISAGREES);
        String model = "fraud-classifier";
        List<Sandbox.ModelServing> servers = List.of(new Sandbox.ModelServing("http://xgb.fraud-models.sandbox", model, "xgb"),
                new Sandbox.ModelServing("http://rf.fraud-models.sandbox", model, "rf"),
                new Sandbox.ModelServing("http://rf-cents.fraud-models.sandbox", model, "rf-cents"));
        Prepared p = build(kserveCluster(good.policy()), policies, policy -> scenarios.get(policy.key()),
                policy -> new ArmBehaviour(0.01, 30, 0.5), new Traffic(100, 0, null, 42), files, servers);
        if (!p.ok()) throw new IllegalStateException("the built-in shadow demo does not prepare: " + p.problems());
        return p.rehearsal();
    }

    /**
     * The KServe tutorial's InferenceService in kserve-deployments and in {@value #KSERVE_BAD_NAMESPACE}: XGBoost
     * rolled out, the random forest applied as a canary at {@code policy}'s first step.
     */
    private static Manifests.Result kserveCluster(Policy policy) {
        int firstStep = policy.steps().get(0).weight();
        String canary = resource("sandbox/kserve/fraud-classifier-canary.yaml")
                .replaceFirst("canaryTrafficPercent: \\d+", "canaryTrafficPercent: " + firstStep);
        return Manifests.readText(canary + "\n---\n" + canary.replace("namespace: kserve-deployments",
                "namespace: " + KSERVE_BAD_NAMESPACE), "sandbox/kserve/fraud-classifier-canary.yaml");
    }

    /**
     * Built-in policies validated beside the files they name, as the daemon will read them in the sandbox's policies
     * directory: a replay check's payloads are read while its policy is validated, so they must be on disk.
     */
    private static List<Loaded> besideFiles(List<String> resources, Map<String, String> files) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("aviary-demo-policies");
            for (Map.Entry<String, String> f : files.entrySet()) {
                Path file = dir.resolve(f.getKey());
                Files.createDirectories(file.getParent());
                Files.writeString(file, f.getValue());
            }
            List<Loaded> loaded = new ArrayList<>();
            for (String resource : resources) {
                String fileName = Path.of(resource).getFileName().toString();
                loaded.add(builtIn(resource, resource(resource), fileName, dir.resolve(fileName)));
            }
            return loaded;
        } catch (IOException e) {
            throw new IllegalStateException("cannot stage the built-in demo's policies: " + e.getMessage(), e);
        } finally {
            if (dir != null) deleteQuietly(dir);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is no reason to fail the demo
        }
    }

    private static String resource(String resource) {
        try (InputStream in = Rehearsal.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing classpath resource " + resource);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the classpath resource " + resource + ": " + e.getMessage(), e);
        }
    }

    /** A built-in demo policy, which must load. */
    private static Loaded builtIn(String resource, String text, String fileName) {
        return builtIn(resource, text, fileName, Path.of(resource));
    }

    /** A built-in demo policy, which must load, validated as if it were the file {@code source}. */
    private static Loaded builtIn(String resource, String text, String fileName, Path source) {
        try {
            return new Loaded(new PolicyLoader().parse(text, source), text, fileName);
        } catch (PolicyException e) {
            throw new IllegalStateException("the built-in demo policy " + resource + " does not load: " + e.getMessage(), e);
        }
    }

    /** A policy as validated, with its text and file name. */
    private record Loaded(Policy policy, String text, String fileName) {}

    private static Prepared build(Manifests.Result cluster, List<Loaded> loaded, Function<Policy, CanaryScenario> scenarioOf,
            Function<Policy, ArmBehaviour> baselineOf, Traffic traffic, Map<String, String> files, List<Sandbox.ModelServing> modelServers) {
        List<String> problems = new ArrayList<>(cluster.problems());
        List<Policy> policies = loaded.stream().map(Loaded::policy).toList();
        TimeScale time = traffic.speed() != null ? new TimeScale(traffic.speed()) : TimeScale.fitting(policies);
        Workloads workloads = new Workloads(cluster.items());
        List<MeshSimulator.Service> services = new ArrayList<>();
        List<KServeSimulator.Service> inferenceServices = new ArrayList<>();
        List<Expectation> expectations = new ArrayList<>();
        Map<String, String> policyFiles = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>(cluster.notes());
        Set<String> simulated = new java.util.HashSet<>();
        for (Loaded l : loaded) {
            Policy p = l.policy();
            CanaryScenario scenario = scenarioOf.apply(p);
            expectations.add(new Expectation(p.key(), scenario));
            try {
                policyFiles.put(l.fileName(), time.rewrite(l.text(), p));
            } catch (IOException e) {
                problems.add(p.source() + ": cannot prepare the policy for the sandbox: " + Manifests.oneLine(e.getMessage()));
            }
            if (p.target() instanceof KServeTarget k) {
                String isvc = p.namespace() + "/" + k.inferenceService();
                if (!simulated.add("InferenceService " + isvc)) {
                    notes.add(p.source() + ": another policy already rehearses InferenceService " + isvc + "; its traffic is simulated once");
                    continue;
                }
                try {
                    inferenceServices.add(inferenceService(p, k, cluster.items(), scenario, baselineOf.apply(p), traffic, time, notes));
                } catch (IllegalArgumentException e) {
                    problems.add(e.getMessage());
                }
                continue;
            }
            Workloads.Arms arms;
            try {
                arms = workloads.arms(p);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
                continue;
            }
            String vs = p.namespace() + "/" + arms.virtualService();
            if (!simulated.add(vs)) {
                notes.add(p.source() + ": another policy already rehearses VirtualService " + vs + "; its traffic is simulated once");
                continue;
            }
            services.add(service(p, arms, scenario, baselineOf.apply(p), traffic, time, notes));
        }
        notes.addAll(workloads.notes());
        if (!problems.isEmpty()) return Prepared.failed(problems);
        Sandbox.Contents contents = new Sandbox.Contents(workloads.items().stream().map(Manifests.Item::object).toList(), policyFiles,
                services, inferenceServices, files, modelServers, traffic.seed());
        return new Prepared(new Rehearsal(contents, expectations, notes, time, policies, traffic.rps()), List.of());
    }

    private static MeshSimulator.Service service(Policy p, Workloads.Arms arms, CanaryScenario scenario, ArmBehaviour baseline,
            Traffic traffic, TimeScale time, List<String> notes) {
        Map<String, ArmBehaviour> versions = new HashMap<>();
        if (arms.baselineVersion() != null) versions.put(arms.baselineVersion(), baseline);
        if (arms.canaryVersion() != null) {
            if (arms.canaryVersion().equals(arms.baselineVersion())) {
                notes.add(p.source() + ": the baseline and canary pods of " + p.key() + " both carry version " + arms.canaryVersion()
                        + ": their metrics cannot be told apart");
            }
            versions.put(arms.canaryVersion(), scenario.canary(baseline));
        }
        Step.HeaderMatch header = p.steps().stream().map(Step::headerRoute).filter(java.util.Objects::nonNull).findFirst().orElse(null);
        String value = header == null ? null : headerValue(header);
        if (header != null && value == null) {
            notes.add(p.source() + ": the simulator cannot make up a value matching regex " + header.value() + "; no request will carry "
                    + header.header() + " and the header step sees no canary traffic");
        }
        return new MeshSimulator.Service(p.namespace(), arms.virtualService(), arms.apiVersion(), arms.host(),
                traffic.rps() * time.factor(), value == null ? null : header.header(), value, traffic.headerShare(), versions);
    }

    /**
     * KServe plays the policy's InferenceService: the manifest's model is the canary and serves the scenario; the one
     * rolled out before it (revision 00001, unless the manifest carries KServe's status) serves like the baseline.
     */
    private static KServeSimulator.Service inferenceService(Policy p, KServeTarget k, List<Manifests.Item> items, CanaryScenario scenario,
            ArmBehaviour baseline, Traffic traffic, TimeScale time, List<String> notes) {
        Manifests.Item isvc = items.stream().filter(i -> i.kind().equals(KServeSimulator.KIND) && i.namespace().equals(p.namespace())
                && i.name().equals(k.inferenceService())).findFirst().orElse(null);
        if (isvc == null) {
            throw new IllegalArgumentException(p.source() + ": policy " + p.key() + " targets InferenceService " + p.namespace() + "/"
                    + k.inferenceService() + ", which none of the manifests defines; add it to the manifests directory");
        }
        String model = KServeSimulator.model(isvc.object());
        String previous = null;
        if (KServeSimulator.standard(isvc.object())) {
            notes.add(isvc.source() + ": " + isvc.describe() + " runs in Standard mode: its spec.canary model " + model + " serves as the"
                    + " canary, the stable predictor like the baseline; their Istio sidecars report the requests per predictor service");
        } else if (KServeSimulator.reported(isvc.object())) {
            notes.add(isvc.source() + ": " + isvc.describe() + " carries KServe's status: the sandbox continues from it; its latest revision"
                    + " serves " + model + " as the canary, earlier ones serve like the baseline");
        } else {
            previous = "the model before " + model;
            notes.add(isvc.source() + ": " + isvc.describe() + " serves " + model + " as the canary (revision 00002); the sandbox makes up"
                    + " revision 00001, rolled out at 100% before it, serving like the baseline");
        }
        return new KServeSimulator.Service(p.namespace(), k.inferenceService(), traffic.rps() * time.factor(),
                Map.of(model, scenario.canary(baseline)), baseline, previous);
    }

    /** A header value the step's match accepts; null when none can be made up (a regex that does not match itself). */
    private static String headerValue(Step.HeaderMatch h) {
        return switch (h.type()) {
            case EXACT, PREFIX -> h.value();
            case REGEX -> Pattern.matches(h.value(), h.value()) ? h.value() : null;
        };
    }
}
