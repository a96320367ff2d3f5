package dev.aviary.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.notify.Outbox;
import dev.aviary.rollout.CanaryRollout;
import dev.aviary.rollout.Decision;
import dev.aviary.rollout.HistoryEntry;
import dev.aviary.rollout.Phase;
import dev.aviary.sandbox.Manifests;
import dev.aviary.sandbox.PrometheusServer;
import dev.aviary.sim.ArmBehaviour;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos run: {@link ChaosPlan#rollouts} rollouts driven by three replicas sharing shard Leases while a replica is
 * killed without a word every few seconds and a fresh one started in its place, a fifth of the writes on CanaryRollouts
 * and VirtualServices fail with 409 or 500, Prometheus goes away once and comes back, and the only notification
 * receiver is down throughout. Afterwards the writes the API server applied must tell a lawful story for every rollout
 * ({@link WriteAudit}), each rollout must end as its canary deserves, and every notification must be accounted for.
 * Sizes and timings are system properties ({@link ChaosPlan}); the defaults fit in about two minutes on two cores.
 */
class ChaosRunTest {

    static final List<Integer> WEIGHTS = List.of(10, 25, 50, 100);

    @TempDir
    Path work;

    @Test
    void rolloutsEndAsTheirCanariesDeserveWhateverFailsAroundThem() throws Exception {
        Assumptions.assumeTrue(PrometheusServer.find().isPresent(), PrometheusServer.INSTALL_HINT);
        ChaosPlan plan = ChaosPlan.fromSystemProperties();
        long started = System.nanoTime();
        Path policies = Files.createDirectories(work.resolve("policies"));
        Map<String, Boolean> good = new LinkedHashMap<>();
        Map<String, ArmBehaviour> canaries = new LinkedHashMap<>();
        ArmBehaviour healthy = new ArmBehaviour(0.01, 80, 0.5);
        for (int i = 0; i < plan.rollouts(); i++) {
            String rollout = "team-" + i % plan.namespaces() + "/model-" + i;
            boolean isGood = i % plan.badEvery() != plan.badEvery() - 1;
            good.put(rollout, isGood);
            canaries.put(rollout, isGood ? healthy : new ArmBehaviour(0.20, 80, 0.5));
        }
        String deadWebhook = "http://127.0.0.1:" + closedPort() + "/aviary";
        Notifications notifications = new Notifications();
        try (FaultyApiServer api = new FaultyApiServer(plan.faultRate(), plan.seed()); KubernetesClient setup = api.client()) {
            for (String rollout : good.keySet()) create(setup, policies, rollout, deadWebhook);
            ChaosLoop chaos;
            try (LeanMesh mesh = new LeanMesh(setup, plan.rps(), healthy, canaries, plan.seed()).start();
                    PrometheusServer prometheus = PrometheusServer.start(work.resolve("prometheus"), "127.0.0.1:" + mesh.port())) {
                // the outboxes retry three times from 20 ms: a dead receiver's account closes within the run
                chaos = new ChaosLoop(plan, api, new Replica.Settings(policies, prometheus.url(), plan.shards(), plan.lease(), plan.renew(),
                        plan.retry(), 16, 3, 20), notifications);
                chaos.run(prometheus, () -> allFinished(setup, good.size()));
            }

            double wall = (System.nanoTime() - started) / 1e9;
            Map<String, CanaryRollout> finals = setup.resources(CanaryRollout.class).inAnyNamespace().list().getItems().stream()
                    .collect(Collectors.toMap(cr -> cr.getMetadata().getNamespace() + "/" + cr.getMetadata().getName(), cr -> cr));
            List<FaultyApiServer.Write> writes = api.writes();
            dump(writes);
            Map<String, WriteAudit.Story> stories = WriteAudit.audit(writes, WEIGHTS);
            long promoted = finals.values().stream().filter(cr -> phase(cr) == Phase.Promoted).count();
            long rolledBack = finals.values().stream().filter(cr -> phase(cr) == Phase.RolledBack).count();
            System.out.printf("chaos run: %d rollouts (%d good, %d bad) on %d replicas in %.1f s: %d kills, %d restarts, %d Prometheus restart; "
                    + "faults injected %s of %d faultable writes; %d writes applied (%d CanaryRollout, %d VirtualService); %d ticks; "
                    + "%d promoted, %d rolled back; notifications: %d enqueued = %d delivered + %d failed + %d dropped + %d unaccounted%n",
                    good.size(), good.values().stream().filter(g -> g).count(), good.values().stream().filter(g -> !g).count(), plan.replicas(),
                    wall, chaos.kills, chaos.restarts, chaos.prometheusRestarts, api.faults(), api.faultable(), writes.size(),
                    writes.stream().filter(w -> w.resource().equals("canaryrollouts")).count(),
                    writes.stream().filter(w -> w.resource().equals("virtualservices")).count(), chaos.ticks(),
                    promoted, rolledBack, notifications.enqueued(), notifications.count(Outbox.Watch.Result.DELIVERED),
                    notifications.count(Outbox.Watch.Result.FAILED), notifications.count(Outbox.Watch.Result.DROPPED), notifications.unaccounted());

            List<String> problems = new ArrayList<>();
            good.forEach((rollout, isGood) -> {
                CanaryRollout cr = finals.get(rollout);
                Phase expected = isGood ? Phase.Promoted : Phase.RolledBack;
                if (cr == null || phase(cr) != expected) {
                    problems.add(rollout + " ended " + (cr == null ? "without a CanaryRollout" : phase(cr) + " at step " + cr.getStatus().stepNumber()
                            + ": " + cr.getStatus().message()) + "; expected " + expected);
                    return;
                }
                WriteAudit.Story story = stories.get(rollout);
                story.violations().forEach(v -> problems.add(rollout + ": " + v));
                int last = story.moves().isEmpty() ? -1 : story.moves().get(story.moves().size() - 1);
                if (last != (isGood ? 100 : 0)) problems.add(rollout + ": the VirtualService was last moved to " + last + "%, moves " + story.moves());
                List<Integer> advanced = cr.getStatus().history().stream().filter(h -> h.decision() == Decision.ADVANCE)
                        .map(HistoryEntry::stepNumber).toList();
                for (int i = 1; i < advanced.size(); i++) {
                    if (advanced.get(i) != advanced.get(i - 1) + 1) problems.add(rollout + ": history advances steps " + advanced);
                }
                Decision told = isGood ? Decision.PROMOTE : Decision.ROLLBACK;
                if (!notifications.finals(rollout).contains(told)) problems.add(rollout + ": its " + told + " never reached an outbox");
            });
            assertTrue(problems.isEmpty(), problems.size() + " problems:\n" + String.join("\n", problems));
            assertEquals(0, notifications.unaccounted(), "every notification delivered, failed or dropped");
            assertEquals(0, notifications.count(Outbox.Watch.Result.DELIVERED), "nothing delivered to a receiver that is down");
            assertTrue(chaos.kills >= 3, "replicas were killed: " + chaos.kills);
            assertEquals(1, chaos.prometheusRestarts, "Prometheus went away once");
            assertTrue(api.faults().values().stream().mapToLong(Long::longValue).sum() > 0, "faults were injected");
        }
    }

    /** A model's objects ({@code chaos/model.yaml}), and its policy walking {@link #WEIGHTS} that tells a dead webhook. */
    private static void create(KubernetesClient client, Path policies, String rollout, String webhook) throws java.io.IOException {
        String ns = rollout.substring(0, rollout.indexOf('/')), model = rollout.substring(rollout.indexOf('/') + 1);
        String yaml;
        try (java.io.InputStream in = ChaosRunTest.class.getClassLoader().getResourceAsStream("chaos/model.yaml")) {
            yaml = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).replace("NAMESPACE", ns).replace("MODEL", model);
        }
        Manifests.Result objects = Manifests.readText(yaml, "chaos/model.yaml");
        assertTrue(objects.problems().isEmpty(), objects.problems().toString());
        for (Manifests.Item item : objects.items()) {
            GenericKubernetesResource o = item.object();
            client.genericKubernetesResources(o.getApiVersion(), o.getKind()).inNamespace(ns).resource(o).create();
        }
        StringBuilder steps = new StringBuilder();
        for (int w : WEIGHTS) steps.append("    - weight: ").append(w).append(w == 100 ? "\n" : "\n      minDuration: 6s\n");
        Files.writeString(policies.resolve(ns + "-" + model + ".yaml"), """
                apiVersion: aviary.dev/v1
                kind: CanaryPolicy
                metadata: {name: %s, namespace: %s}
                spec:
                  target:
                    istio:
                      virtualService: %s
                      route: primary
                      baseline: {subset: v1}
                      canary: {subset: v2}
                  interval: 2s
                  steps:
                %s  maxStepDuration: 3m
                  onTimeout: rollback
                  noData: {tolerate: 1m, then: pause}
                  minRequests: 30
                  checks:
                    - name: errors
                      preset: istio-error-rate
                      tolerance: 10%%
                  notify:
                    - webhook: {url: "%s"}
                """.formatted(model, ns, model, steps, webhook));
    }

    private static boolean allFinished(KubernetesClient client, int rollouts) {
        List<CanaryRollout> crs = client.resources(CanaryRollout.class).inAnyNamespace().list().getItems();
        return crs.size() == rollouts && crs.stream().allMatch(cr -> phase(cr) != null && phase(cr).terminal() && cr.getStatus().intended() == null);
    }

    /** Every applied write as a JSON line in target/chaos-writes.jsonl, to read a failed run's stories by hand. */
    private static void dump(List<FaultyApiServer.Write> writes) throws java.io.IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        StringBuilder out = new StringBuilder();
        for (FaultyApiServer.Write w : writes) out.append(json.writeValueAsString(w)).append('\n');
        Files.writeString(Path.of("target", "chaos-writes.jsonl"), out);
    }

    private static Phase phase(CanaryRollout cr) {
        return cr.getStatus() == null ? null : cr.getStatus().phase();
    }

    private static int closedPort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
