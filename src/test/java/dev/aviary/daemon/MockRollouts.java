package dev.aviary.daemon;

import dev.aviary.analysis.ArmCounts;
import dev.aviary.analysis.Observation;
import dev.aviary.checks.CheckTypes;
import dev.aviary.metrics.MetricSource;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;
import dev.aviary.rollout.CanaryRollout;
import dev.aviary.rollout.RolloutController;
import dev.aviary.rollout.RolloutRepository;
import dev.aviary.rollout.TickListener;
import dev.aviary.sandbox.Manifests;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.TrafficRouters;
import dev.aviary.traffic.istio.IstioRouter;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Rollouts as the tutorials' image classifier (a VirtualService with a named "primary" route, its DestinationRule,
 * Service and two Deployments), one namespace each, on the mock API server; healthy arms whose request shares follow
 * the split the rollout stands at, so every check passes and each step advances once its minimum duration is over.
 */
final class MockRollouts {

    private final KubernetesClient client;
    private final CheckTypes checks = new CheckTypes();

    MockRollouts(KubernetesClient client) {
        this.client = client;
    }

    /**
     * The image classifier's objects in {@code namespace}, and its policy file in {@code dir}: it ticks every
     * {@code interval} and walks {@code weights}, each step {@code step} long.
     */
    void create(Path dir, String namespace, String interval, String step, int... weights) throws IOException {
        for (Manifests.Item item : Manifests.readResources(List.of("istio/named-routes/image-classifier.yaml")).items()) {
            GenericKubernetesResource o = item.object();
            o.getMetadata().setNamespace(namespace);
            client.genericKubernetesResources(o.getApiVersion(), o.getKind()).inNamespace(namespace).resource(o).create();
        }
        StringBuilder steps = new StringBuilder();
        for (int w : weights) steps.append("    - weight: ").append(w).append(w == 100 ? "\n" : "\n      minDuration: " + step + "\n");
        Files.writeString(dir.resolve(namespace + ".yaml"), """
                apiVersion: aviary.dev/v1
                kind: CanaryPolicy
                metadata:
                  name: image-classifier
                  namespace: %s
                spec:
                  target:
                    istio:
                      virtualService: image-classifier
                      route: primary
                      baseline: {subset: resnet50}
                      canary: {subset: resnet101}
                  interval: %s
                  steps:
                %s  checks:
                    - name: errors
                      preset: istio-error-rate
                      tolerance: 10%%
                """.formatted(namespace, interval, steps));
    }

    /** A controller as daemon.Beans builds it, with these arms' metrics and a listener. */
    RolloutController controller(TickListener listener) {
        return new RolloutController(new RolloutRepository(client), TrafficRouters.of(new IstioRouter(client)), new HealthyArms(),
                checks::judge, checks.sampleRatioGuard(), event -> { }, Clock.systemUTC(), listener);
    }

    CanaryRollout rollout(Policy policy) {
        return client.resources(CanaryRollout.class).inNamespace(policy.namespace()).withName(policy.name()).get();
    }

    /** 1% errors on both arms; requests split as the rollout's status says traffic is split. */
    private final class HealthyArms implements MetricSource {
        @Override
        public Observation observe(Policy policy, CheckSpec check, ArmLabels arms, Duration window) {
            CanaryRollout cr = rollout(policy);
            int canary = cr == null || cr.getStatus() == null ? 0 : cr.getStatus().canaryWeight();
            long n = 100_000;
            long toCanary = n * canary / 100;
            return new Observation.Counts(new ArmCounts(n - toCanary, (n - toCanary) / 100), new ArmCounts(toCanary, toCanary / 100));
        }

        @Override
        public Observation requests(Policy policy, ArmLabels arms, Duration window) {
            return observe(policy, null, arms, window);
        }
    }
}
