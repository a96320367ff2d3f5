package dev.aviary.bench;

import dev.aviary.policy.Durations;
import dev.aviary.sim.ArmBehaviour;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's fleet of models: per policy the tutorial's objects (a VirtualService at 100/0 with its unnamed route
 * to both subsets, every host, through a Gateway; a DestinationRule with subsets v1 and v2; a Service; a Deployment per
 * version), the policy file, and the traffic its service gets. Pure: nothing is started here.
 *
 * <p>Most policies hold: steps of 30 minutes, as in a cluster where a step lasts a while, so most ticks are HOLDs. One
 * in ten is a mover (steps of one minute, more traffic, fewer requests needed), so rollouts also start steps and write
 * during the run. {@code broken} policies have a check whose query Prometheus refuses at every tick.
 */
record BenchFleet(int rollouts, Duration interval, int broken) {

    /** Policies per namespace, like a team's namespace holding its models. */
    static final int PER_NAMESPACE = 50;
    /** Requests per second of a holding policy's service and of a mover's. */
    static final double HOLD_RPS = 2, MOVER_RPS = 20;
    static final ArmBehaviour HEALTHY = new ArmBehaviour(0.01, 80, 0.5);
    /** Prometheus answers "multiple matches for labels": a one-to-many division without group_left. */
    static final String BROKEN_QUERY = "sum(rate(istio_requests_total{destination_version=\\\"{{arm}}\\\"}[{{window}}]))"
            + " / on() istio_requests_total";

    String namespace(int i) {
        return String.format("bench-%03d", i / PER_NAMESPACE);
    }

    String name(int i) {
        return String.format("model-%05d", i);
    }

    /** One in ten policies moves through its steps within minutes; broken ones never do. */
    boolean mover(int i) {
        return i % 10 == 5 && !broken(i);
    }

    /** The broken policies, spread evenly over the fleet. */
    boolean broken(int i) {
        return broken > 0 && i % Math.max(1, rollouts / broken) == 0 && i / Math.max(1, rollouts / broken) < broken;
    }

    String key(int i) {
        return namespace(i) + "/" + name(i);
    }

    List<GenericKubernetesResource> objects() {
        List<GenericKubernetesResource> out = new ArrayList<>();
        for (int i = 0; i < rollouts; i++) {
            String ns = namespace(i), name = name(i);
            out.add(object("""
                    apiVersion: networking.istio.io/v1alpha3
                    kind: VirtualService
                    metadata: {name: %1$s, namespace: %2$s}
                    spec:
                      hosts: ["*"]
                      gateways: [%1$s-gateway]
                      http:
                        - route:
                            - destination: {host: %1$s, subset: v1, port: {number: 8501}}
                              weight: 100
                            - destination: {host: %1$s, subset: v2, port: {number: 8501}}
                              weight: 0
                    """, name, ns));
            out.add(object("""
                    apiVersion: networking.istio.io/v1alpha3
                    kind: Gateway
                    metadata: {name: %1$s-gateway, namespace: %2$s}
                    spec:
                      selector: {istio: ingressgateway}
                      servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
                    """, name, ns));
            out.add(object("""
                    apiVersion: networking.istio.io/v1alpha3
                    kind: DestinationRule
                    metadata: {name: %1$s, namespace: %2$s}
                    spec:
                      host: %1$s
                      subsets:
                        - {name: v1, labels: {version: v1}}
                        - {name: v2, labels: {version: v2}}
                    """, name, ns));
            out.add(object("""
                    apiVersion: v1
                    kind: Service
                    metadata: {name: %1$s, namespace: %2$s, labels: {app: %1$s}}
                    spec:
                      selector: {app: %1$s}
                      ports: [{name: http, port: 8501, targetPort: 8501}]
                    """, name, ns));
            for (String v : List.of("v1", "v2")) {
                out.add(object("""
                        apiVersion: apps/v1
                        kind: Deployment
                        metadata: {name: %1$s-%3$s, namespace: %2$s, labels: {app: %1$s, version: %3$s}}
                        spec:
                          replicas: 2
                          selector: {matchLabels: {app: %1$s, version: %3$s}}
                          template:
                            metadata: {labels: {app: %1$s, version: %3$s}}
                            spec:
                              containers: [{name: tfserving, image: "tensorflow/serving:2.14.1", ports: [{containerPort: 8501}]}]
                        """, name, ns, v));
            }
        }
        return out;
    }

    /** Policy file name → content. */
    Map<String, String> policyFiles() {
        Map<String, String> files = new LinkedHashMap<>();
        for (int i = 0; i < rollouts; i++) files.put(namespace(i) + "-" + name(i) + ".yaml", policy(i));
        return files;
    }

    String policy(int i) {
        String step = mover(i) ? "1m" : "30m";
        String extra = broken(i) ? """
                    - name: broken
                      type: threshold
                      query: "%s"
                      max: 1
                """.formatted(BROKEN_QUERY) : "";
        return """
                apiVersion: aviary.dev/v1
                kind: CanaryPolicy
                metadata: {name: %s, namespace: %s}
                spec:
                  target:
                    istio:
                      virtualService: %1$s
                      baseline: {subset: v1}
                      canary: {subset: v2}
                  interval: %s
                  steps:
                    - mirror: 100
                      minDuration: %s
                    - weight: 30
                      minDuration: %4$s
                    - weight: 50
                      minDuration: %4$s
                    - weight: 100
                  maxStepDuration: 2h
                  onTimeout: rollback
                  noData: {tolerate: 1h, then: pause}
                  alpha: 0.01
                  minRequests: %s
                  checks:
                    - name: errors
                      preset: istio-error-rate
                      tolerance: 10%%
                    - name: latency
                      preset: istio-slow-requests
                      slowerThan: 250ms
                      tolerance: 20%%
                    - name: p99
                      preset: istio-latency-p99
                      max: 1000
                %s""".formatted(name(i), namespace(i), Durations.format(interval), step, mover(i) ? 200 : 500, extra);
    }

    List<MeshLoad.Service> services() {
        List<MeshLoad.Service> out = new ArrayList<>();
        for (int i = 0; i < rollouts; i++) {
            out.add(new MeshLoad.Service(namespace(i), name(i), mover(i) ? MOVER_RPS : HOLD_RPS, HEALTHY, HEALTHY));
        }
        return out;
    }

    private static GenericKubernetesResource object(String yaml, Object... args) {
        return Serialization.unmarshal(yaml.formatted(args), GenericKubernetesResource.class);
    }
}
