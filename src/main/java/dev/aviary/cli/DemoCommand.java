package dev.aviary.cli;

import dev.aviary.daemon.Engine;
import dev.aviary.policy.Policy;
import dev.aviary.policy.PolicyStore;
import dev.aviary.rollout.CanaryRollout;
import dev.aviary.rollout.Phase;
import dev.aviary.rollout.RolloutRepository;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import picocli.CommandLine;

@CommandLine.Command(name = "demo", description = "Roll out a good and a bad canary in a built-in sandbox (mock Kubernetes API,"
        + " mesh simulator, real Prometheus) and print every decision.")
public class DemoCommand implements Callable<Integer> {

    /** What the sandbox's two rollouts must end as (see Sandbox.demo()). */
    static final Map<String, Phase> EXPECTED = Map.of("default/image-classifier", Phase.Promoted, "payments/fraud-detector", Phase.RolledBack);

    @CommandLine.Option(names = "--timeout", description = "Give up after this long (default: ${DEFAULT-VALUE}).", defaultValue = "PT4M")
    Duration timeout;

    private final Engine engine;
    private final RolloutRepository rollouts;
    private final PolicyStore policies;
    private final String prometheusUrl;
    private final int httpPort;

    public DemoCommand(Engine engine, RolloutRepository rollouts, PolicyStore policies,
            @ConfigProperty(name = "aviary.prometheus.url") String prometheusUrl, @ConfigProperty(name = "quarkus.http.port") int httpPort) {
        this.engine = engine;
        this.rollouts = rollouts;
        this.policies = policies;
        this.prometheusUrl = prometheusUrl;
        this.httpPort = httpPort;
    }

    @Override
    public Integer call() throws InterruptedException {
        System.out.println("""
                Aviary sandbox: a mock Kubernetes API holding two Istio VirtualServices, a mesh simulator sending them
                traffic, and a real Prometheus (%s) scraping it.
                  default/image-classifier  ResNet50 -> ResNet101, a good canary: expect promotion
                  payments/fraud-detector   XGBoost v7 -> v8, 5x the error rate: expect rollback
                Status page: http://127.0.0.1:%d/   (JSON: /api/rollouts)
                """.formatted(prometheusUrl, httpPort));
        Instant start = Instant.now();
        engine.start();
        Map<String, Phase> phases = new TreeMap<>();
        while (Duration.between(start, Instant.now()).compareTo(timeout) < 0) {
            Thread.sleep(1000);
            phases.clear();
            for (Policy p : policies.active()) {
                CanaryRollout cr = rollouts.get(p.namespace(), p.name());
                // a phase counts once its move has landed on the target
                phases.put(p.key(), cr == null || cr.getStatus().intended() != null ? Phase.Pending : cr.getStatus().phase());
            }
            if (!phases.isEmpty() && phases.values().stream().allMatch(Phase::terminal)) break;
        }
        engine.stop();
        long seconds = Duration.between(start, Instant.now()).toSeconds();
        System.out.println();
        System.out.println("After " + seconds + " s:");
        boolean ok = true;
        for (Map.Entry<String, Phase> e : phases.entrySet()) {
            CanaryRollout cr = rollouts.get(e.getKey().split("/")[0], e.getKey().split("/")[1]);
            Phase expected = EXPECTED.get(e.getKey());
            boolean match = expected == null || expected == e.getValue();
            ok &= match;
            System.out.printf("  %-26s %-11s canary weight %3d%%  %s%n", e.getKey(), e.getValue(), cr.getStatus().canaryWeight(),
                    match ? "as expected" : "EXPECTED " + expected);
        }
        return ok && !phases.isEmpty() ? 0 : 1;
    }
}
