package dev.aviary.rollout;

import dev.aviary.checks.CheckTypes;

import dev.aviary.checks.Comparison;
import dev.aviary.checks.istio.IstioPresets;

import dev.aviary.analysis.ArmCounts;
import dev.aviary.analysis.Judge;
import dev.aviary.analysis.Observation;
import dev.aviary.metrics.MetricSource;
import dev.aviary.rollout.Notifier;
import dev.aviary.rollout.RolloutEvent;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;
import dev.aviary.policy.Step;
import dev.aviary.policy.IstioTarget;
import dev.aviary.sandbox.Sandbox;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.TargetException;
import dev.aviary.traffic.TrafficRouter;
import dev.aviary.traffic.TrafficRouters;
import dev.aviary.traffic.TrafficSplit;
import dev.aviary.traffic.istio.IstioRouter;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the controller's tests share: the mock API server (CRUD mode) holding the sandbox's image-classifier objects
 * (a named "primary" route after a "health" route), scripted measurements standing in for Prometheus, a clock the
 * test moves, the events published, and routers that die, fail or race at chosen moments.
 */
abstract class RolloutFixture {

    static KubernetesClient client;

    final ScriptedMetrics metrics = new ScriptedMetrics();
    final List<RolloutEvent> events = new ArrayList<>();
    final MovableClock clock = new MovableClock(Instant.parse("2026-11-22T10:00:00Z"));
    final CheckTypes judges = new CheckTypes();
    Policy policy;

    @BeforeEach
    void load() {
        client.genericKubernetesResources("networking.istio.io/v1alpha3", "VirtualService").inNamespace("default").delete();
        client.genericKubernetesResources("networking.istio.io/v1alpha3", "DestinationRule").inNamespace("default").delete();
        client.apps().deployments().inNamespace("default").delete();
        client.services().inNamespace("default").delete();
        client.resources(CanaryRollout.class).inNamespace("default").delete();
        Sandbox.load(client, "istio/named-routes/image-classifier.yaml"); // the policy below names route 'primary'
        policy = policy(Duration.ofMinutes(2), Policy.TimeoutAction.ROLLBACK);
    }


    /** Started, with healthy metrics and the first step's minDuration over: the next tick moves to 30%. */
    RolloutController startedWithStepDue() {
        RolloutController c = controller(new IstioRouter(client));
        c.tick(policy);
        metrics.healthy();
        clock.advance(Duration.ofMinutes(1));
        return c;
    }

    /** A rollout in its second step, at 30%. */
    RolloutController atWeight30() {
        RolloutController c = startedWithStepDue();
        c.tick(policy);
        return c;
    }

    RolloutController controller(TrafficRouter<?> router) {
        return controller(router, metrics, judges::judge, events::add);
    }

    RolloutController controller(TrafficRouter<?> router, MetricSource metrics, Function<CheckSpec, Judge> judges, Notifier notifier) {
        return new RolloutController(new RolloutRepository(client), TrafficRouters.of(router), metrics, judges, this.judges.sampleRatioGuard(),
                notifier, clock);
    }

    /** A new build of the canary: its pod template changes. */
    void newCanaryBuild() {
        client.apps().deployments().inNamespace("default").withName("image-classifier-resnet101")
                .edit(d -> { d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("tensorflow/serving:2.15.0"); return d; });
    }

    static Policy policy(Duration maxStep, Policy.TimeoutAction onTimeout) {
        return new Policy("image-classifier", "default",
                new IstioTarget("image-classifier", "primary", new IstioTarget.Arm("resnet50", null, null),
                        new IstioTarget.Arm("resnet101", null, null)),
                Duration.ofSeconds(30),
                List.of(new Step(null, new Step.HeaderMatch("user-group", Step.HeaderMatch.MatchType.EXACT, "canary"), null, Duration.ofMinutes(1)),
                        new Step(30, null, null, Duration.ofMinutes(1)),
                        new Step(100, null, null, Duration.ZERO)),
                maxStep, onTimeout, new Policy.NoDataRule(Duration.ofMinutes(5), Policy.TimeoutAction.PAUSE),
                List.of(new Comparison.Spec("errors", IstioPresets.ERROR_RATE, null, null, 0.1, null)),
                0.01, 500, List.of(), null, "hash-1");
    }

    Policy withSteps(Step... steps) {
        return new Policy(policy.name(), policy.namespace(), policy.target(), policy.interval(), List.of(steps), policy.maxStepDuration(),
                policy.onTimeout(), policy.noData(), policy.checks(), policy.alpha(), policy.minRequests(), policy.notifications(),
                policy.source(), policy.hash());
    }

    CanaryRollout rollout() {
        return client.resources(CanaryRollout.class).inNamespace("default").withName("image-classifier").get();
    }

    void request(String what) {
        client.resources(CanaryRollout.class).inNamespace("default").withName("image-classifier")
                .edit(cr -> { cr.getMetadata().setAnnotations(Map.of(CanaryRollout.REQUEST_ANNOTATION, what)); return cr; });
    }

    GenericKubernetesResource vs() {
        return client.genericKubernetesResources("networking.istio.io/v1alpha3", "VirtualService").inNamespace("default")
                .withName("image-classifier").get();
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> http(GenericKubernetesResource vs) {
        return (List<Map<String, Object>>) ((Map<String, Object>) vs.getAdditionalProperties().get("spec")).get("http");
    }

    @SuppressWarnings("unchecked")
    int canaryWeight() {
        for (Map<String, Object> route : http(vs())) {
            if ("primary".equals(route.get("name"))) {
                Object w = ((List<Map<String, Object>>) route.get("route")).get(1).get("weight");
                return w == null ? 0 : ((Number) w).intValue();
            }
        }
        throw new AssertionError("no primary route");
    }

    Map<String, Object> managedHeaderRoute() {
        return http(vs()).stream().filter(r -> String.valueOf(r.get("name")).contains("aviary")).findFirst().orElse(null);
    }

    /** As a person's kubectl apply would: straight to the API server, not through a controller. */
    void setSplitByHand(TrafficSplit split) {
        try {
            IstioRouter r = new IstioRouter(client);
            IstioTarget t = (IstioTarget) policy.target();
            r.apply(t, policy.namespace(), split, r.read(t, policy.namespace()).resourceVersion());
        } catch (TargetException e) {
            throw new AssertionError(e);
        }
    }

    @SuppressWarnings("unchecked")
    void setCanaryWeightByHand(int canary) {
        GenericKubernetesResource vs = vs();
        for (Map<String, Object> route : http(vs)) {
            if ("primary".equals(route.get("name"))) {
                List<Map<String, Object>> d = (List<Map<String, Object>>) route.get("route");
                d.get(0).put("weight", 100 - canary);
                d.get(1).put("weight", canary);
            }
        }
        client.resource(vs).update();
    }

    /** Healthy, identical arms unless a test says otherwise; request shares follow the step's split. */
    static final class ScriptedMetrics implements MetricSource {
        Observation errors = new Observation.Missing("nothing scripted yet");
        Observation requests;

        void healthy() {
            errors = new Observation.Counts(new ArmCounts(7000, 70), new ArmCounts(3000, 30));
            requests = null;
        }

        @Override
        public Observation observe(Policy policy, CheckSpec check, ArmLabels arms, Duration window) {
            return errors;
        }

        @Override
        public Observation requests(Policy policy, ArmLabels arms, Duration window) {
            return requests != null ? requests : errors;
        }
    }

    /**
     * The process dying mid-tick. An Error, not a RuntimeException: nothing of the dying process runs after it,
     * so the tick's own failure handling (which catches what a tick did not expect) must not see it either.
     */
    static final class Killed extends Error {
        Killed() {
            super("killed");
        }
    }

    static class Delegating implements TrafficRouter<IstioTarget> {
        final TrafficRouter<IstioTarget> inner;

        Delegating(TrafficRouter<IstioTarget> inner) {
            this.inner = inner;
        }

        @Override
        public Class<IstioTarget> targetType() {
            return inner.targetType();
        }

        @Override
        public ArmLabels armLabels(IstioTarget target, String namespace) throws TargetException {
            return inner.armLabels(target, namespace);
        }

        @Override
        public LiveTraffic read(IstioTarget target, String namespace) throws TargetException {
            return inner.read(target, namespace);
        }

        @Override
        public String apply(IstioTarget target, String namespace, TrafficSplit desired, String resourceVersion) throws TargetException {
            return inner.apply(target, namespace, desired, resourceVersion);
        }
    }

    /** A router whose process dies on the first write, before or after the patch reaches the API server. */
    static final class Dying extends Delegating {
        final boolean afterPatch;

        Dying(TrafficRouter<IstioTarget> inner, boolean afterPatch) {
            super(inner);
            this.afterPatch = afterPatch;
        }

        @Override
        public String apply(IstioTarget target, String namespace, TrafficSplit desired, String resourceVersion) throws TargetException {
            if (afterPatch) inner.apply(target, namespace, desired, resourceVersion);
            throw new Killed();
        }
    }

    /** An API hiccup on every read. */
    static final class FailingRead extends Delegating {
        FailingRead(TrafficRouter<IstioTarget> inner) {
            super(inner);
        }

        @Override
        public LiveTraffic read(IstioTarget target, String namespace) throws TargetException {
            throw new TargetException("reading VirtualService default/image-classifier failed: timeout");
        }
    }

    /** Lands the patch while a person annotates the CanaryRollout, so recording the move conflicts. */
    static final class TouchesRolloutOnApply extends Delegating {
        TouchesRolloutOnApply(TrafficRouter<IstioTarget> inner) {
            super(inner);
        }

        @Override
        public String apply(IstioTarget target, String namespace, TrafficSplit desired, String resourceVersion) throws TargetException {
            String v = inner.apply(target, namespace, desired, resourceVersion);
            client.resources(CanaryRollout.class).inNamespace("default").withName("image-classifier").edit(cr -> {
                cr.getMetadata().setAnnotations(Map.of("example.com/note", "looking"));
                return cr;
            });
            return v;
        }
    }

    /** A GitOps tool labels the VirtualService just before Aviary's first patch lands. */
    static final class LabelsTargetBeforeFirstApply extends Delegating {
        private boolean done;

        LabelsTargetBeforeFirstApply(TrafficRouter<IstioTarget> inner) {
            super(inner);
        }

        @Override
        public String apply(IstioTarget target, String namespace, TrafficSplit desired, String resourceVersion) throws TargetException {
            if (!done) {
                done = true;
                client.genericKubernetesResources("networking.istio.io/v1alpha3", "VirtualService").inNamespace("default")
                        .withName("image-classifier").edit(vs -> {
                            vs.getMetadata().getLabels().put("gitops", "synced");
                            return vs;
                        });
            }
            return inner.apply(target, namespace, desired, resourceVersion);
        }
    }

    static final class MovableClock extends Clock {
        private Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}

