package dev.aviary.e2e;

import dev.aviary.api.ClusterIdentities;
import dev.aviary.sandbox.Sandbox;
import dev.aviary.sim.ArmBehaviour;
import dev.aviary.sim.MeshSimulator;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts the sandbox (mock Kubernetes API in CRUD mode, mesh simulator, real Prometheus) for the end-to-end tests
 * and points the real Quarkus application at it.
 */
public class SandboxResource implements QuarkusTestResourceLifecycleManager {

    static final String VS = "networking.istio.io/v1alpha3";
    /** The bearer token of the person who steers the ranker through the API (RBAC: patch CanaryRollouts in search). */
    static final String OPERATOR_TOKEN = "e2e-operator-token";
    private Sandbox sandbox;

    static Sandbox.Spec spec() {
        ArmBehaviour v1 = new ArmBehaviour(0.01, 80, 0.5);
        ArmBehaviour better = new ArmBehaviour(0.005, 70, 0.5);
        return new Sandbox.Spec(
                List.of("sandbox/cluster/image-classifier.yaml", "sandbox/cluster/fraud-detector.yaml", "e2e/cluster/ranker.yaml",
                        "e2e/cluster/detector.yaml"),
                List.of("e2e/policies/image-classifier.yaml", "e2e/policies/fraud-detector.yaml", "e2e/policies/ranker.yaml",
                        "e2e/policies/detector.yaml"),
                List.of(service("default", "image-classifier", Map.of("v1", v1, "v2", better)),
                        // the bad canary: five times the baseline's error rate
                        service("payments", "fraud-detector", Map.of("v1", new ArmBehaviour(0.02, 30, 0.5), "v2", new ArmBehaviour(0.10, 30, 0.5))),
                        service("search", "ranker", Map.of("v1", v1, "v2", better)),
                        service("vision", "detector", Map.of("v1", v1, "v2", better))),
                7);
    }

    private static MeshSimulator.Service service(String ns, String name, Map<String, ArmBehaviour> versions) {
        return new MeshSimulator.Service(ns, name, VS, name, 80, "user-group", "canary", 0.3, versions);
    }

    @Override
    public Map<String, String> start() {
        try {
            sandbox = Sandbox.start(Files.createTempDirectory("aviary-e2e"), spec());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        new ClusterIdentities(Map.of(OPERATOR_TOKEN, new ClusterIdentities.User("e2e-operator", List.of("system:authenticated"), "search")))
                .installOn(sandbox.apiServer());
        Map<String, String> config = new HashMap<>(sandbox.config());
        config.put("quarkus.kubernetes-client.api-server-url", sandbox.apiServerUrl());
        config.put("quarkus.kubernetes-client.trust-certs", "true");
        config.put("quarkus.kubernetes-client.namespace", "default");
        config.put("aviary.policies.reload-interval", "1s");
        return config;
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(sandbox, new TestInjector.AnnotatedAndMatchesType(InjectSandbox.class, Sandbox.class));
    }

    @Override
    public void stop() {
        if (sandbox != null) sandbox.close();
    }
}
