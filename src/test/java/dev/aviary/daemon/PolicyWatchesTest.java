package dev.aviary.daemon;

import static dev.aviary.cache.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.cache.Kind;
import dev.aviary.cache.WatchCache;
import dev.aviary.checks.Comparison;
import dev.aviary.checks.istio.IstioPresets;
import dev.aviary.policy.IstioTarget;
import dev.aviary.policy.KServeTarget;
import dev.aviary.policy.Policy;
import dev.aviary.policy.Step;
import dev.aviary.policy.Target;
import dev.aviary.rbac.ApiRequest;
import dev.aviary.rbac.ApiRequestLog;
import dev.aviary.traffic.TrafficRouters;
import dev.aviary.traffic.istio.IstioRouter;
import dev.aviary.traffic.kserve.KServeRouter;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The namespaces with policies are watched, each for what its policies' routers read; nothing else is. */
@EnableKubernetesMockClient(crud = true)
class PolicyWatchesTest {

    static KubernetesClient client;

    private WatchCache cache;
    private PolicyWatches watches;

    @AfterEach
    void close() {
        if (cache != null) cache.close();
    }

    @Test
    void aPolicyInANewNamespaceStartsItsInformersAndTheLastOneLeavingStopsThem() {
        cache = new WatchCache(client);
        watches = new PolicyWatches(cache, TrafficRouters.of(new IstioRouter(client, cache), new KServeRouter(client, cache)));
        Policy classifier = policy("image-classifier", "watched-istio", new IstioTarget("image-classifier", null,
                new IstioTarget.Arm("resnet50", null, null), new IstioTarget.Arm("resnet101", null, null)));
        Policy fraud = policy("fraud-detector", "watched-kserve", new KServeTarget("fraud-detector"));
        client.apps().deployments().inNamespace("watched-istio").resource(new DeploymentBuilder().withNewMetadata()
                .withName("image-classifier-resnet101").endMetadata().build()).create();

        watches.follow(List.of(classifier));
        await(() -> cache.synced("watched-istio"), "watched-istio synced");
        assertEquals(Set.of("watched-istio"), cache.namespaces());

        long mark = ApiRequestLog.mark();
        watches.follow(List.of(classifier, fraud));
        await(() -> cache.synced("watched-kserve"), "watched-kserve synced");
        List<ApiRequest> started = mine(ApiRequestLog.applicationSince(mark));
        assertEquals(Set.of("watched-istio", "watched-kserve"), cache.namespaces());
        assertTrue(started.stream().allMatch(r -> "watched-kserve".equals(r.namespace())),
                "only the new namespace's informers start: " + started.stream().map(ApiRequest::describe).toList());
        assertEquals(Set.of("aviary.dev/canaryrollouts", "serving.kserve.io/inferenceservices"),
                Set.copyOf(started.stream().filter(r -> r.verb().equals("list") || r.verb().equals("watch"))
                        .map(r -> r.group() + "/" + r.resource()).toList()),
                "a KServe policy's namespace watches its CanaryRollouts and InferenceServices, nothing of Istio");

        mark = ApiRequestLog.mark();
        List<Deployment> deployments = cache.list(Kind.of(Deployment.class), "watched-istio");
        assertEquals(List.of("image-classifier-resnet101"), deployments.stream().map(d -> d.getMetadata().getName()).toList());
        assertEquals(List.of(), mine(ApiRequestLog.applicationSince(mark)), "read from the cache");

        watches.follow(List.of(fraud));
        assertEquals(Set.of("watched-kserve"), cache.namespaces(), "the last policy of watched-istio left");
        mark = ApiRequestLog.mark();
        assertEquals(1, cache.list(Kind.of(Deployment.class), "watched-istio").size());
        assertEquals(1, mine(ApiRequestLog.applicationSince(mark)).size(), "an unwatched namespace is read from the API server");

        watches.stop();
        assertEquals(Set.of(), cache.namespaces());
    }

    /** This test's requests: another test's application may still run in this JVM, in namespaces of its own. */
    private static List<ApiRequest> mine(List<ApiRequest> requests) {
        return requests.stream().filter(r -> r.namespace() != null && r.namespace().startsWith("watched-")).toList();
    }

    private static Policy policy(String name, String namespace, Target target) {
        return new Policy(name, namespace, target, Duration.ofSeconds(30),
                List.of(new Step(30, null, null, Duration.ofMinutes(1)), new Step(100, null, null, Duration.ZERO)),
                Duration.ofMinutes(10), Policy.TimeoutAction.ROLLBACK, new Policy.NoDataRule(Duration.ofMinutes(5), Policy.TimeoutAction.PAUSE),
                List.of(new Comparison.Spec("errors", IstioPresets.ERROR_RATE, null, null, 0.1, null)),
                0.01, 500, List.of(), null, "hash-1");
    }
}
