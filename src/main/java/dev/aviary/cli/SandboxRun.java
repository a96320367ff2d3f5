package dev.aviary.cli;

import dev.aviary.checks.shadow.ShadowAgreement;
import dev.aviary.daemon.Engine;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Durations;
import dev.aviary.policy.Policy;
import dev.aviary.rollout.CanaryRollout;
import dev.aviary.rollout.CheckRecord;
import dev.aviary.rollout.Phase;
import dev.aviary.rollout.RolloutRepository;
import dev.aviary.rollout.RolloutStatus;
import dev.aviary.rollout.Weights;
import dev.aviary.sandbox.Dump;
import dev.aviary.sandbox.Rehearsal;
import dev.aviary.sandbox.TimeScale;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Runs a rehearsal on the sandbox {@link Main} started and pointed the application at: the daemon's own engine
 * judges and moves traffic until every rollout has ended (or paused, which nothing in a sandbox would undo), then the
 * outcome is compared with what the scenario expects. {@code aviary demo} and {@code aviary sandbox} both run this.
 */
@Singleton
public class SandboxRun {

    /** Set by {@link Main} to the sandbox's API server: nothing runs unless the application talks to it. */
    static final String API_SERVER_PROPERTY = "aviary-sandbox.api-server";
    /** The time of day on progress lines, as on the log lines around them. */
    static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
    /** How often a rollout that is still running says where it stands: decisions alone can be 20 s apart. */
    static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);
    private static final int PROGRESS_WIDTH = 140;
    /** Set by {@link SandboxCommands} to the kubeconfig it wrote for the sandbox's API server. */
    static final String KUBECONFIG_PROPERTY = "aviary-sandbox.kubeconfig";

    private final Engine engine;
    private final RolloutRepository rollouts;
    private final KubernetesClient client;
    private final Optional<String> sandboxApiServer;
    private final Optional<String> kubeconfig;
    private final int httpPort;

    public SandboxRun(Engine engine, RolloutRepository rollouts, KubernetesClient client,
            @ConfigProperty(name = API_SERVER_PROPERTY) Optional<String> sandboxApiServer,
            @ConfigProperty(name = KUBECONFIG_PROPERTY) Optional<String> kubeconfig,
            @ConfigProperty(name = "quarkus.http.port") int httpPort) {
        this.engine = engine;
        this.rollouts = rollouts;
        this.client = client;
        this.sandboxApiServer = sandboxApiServer;
        this.kubeconfig = kubeconfig;
        this.httpPort = httpPort;
    }

    /** True when the application's Kubernetes client talks to the sandbox, never to a real cluster. */
    boolean pointedAtSandbox() {
        return sandboxApiServer.isPresent() && trim(sandboxApiServer.get()).equals(trim(client.getMasterUrl().toString()));
    }

    /**
     * @param limit when to give up
     * @param dump  where to write the final objects, or null
     * @return 0 when every rollout ended as expected, 1 otherwise, 2 when there is no sandbox to run on
     */
    int run(Rehearsal r, Duration limit, Path dump, PrintStream out) throws InterruptedException {
        if (!pointedAtSandbox()) {
            out.println("aviary: the sandbox did not start, so nothing was run (the application is not pointed at it)");
            return 2;
        }
        describeTime(r, out);
        out.printf("Time limit: %s. Status page: http://127.0.0.1:%d/ (JSON: /api/rollouts)%n", Durations.format(limit), httpPort);
        kubeconfig.ifPresent(k -> out.printf("From another shell: ./aviary status --sandbox, ./aviary pause --sandbox NS/NAME"
                + " (kubectl: export KUBECONFIG=%s)%n", k));
        out.println();
        out.flush();
        Instant start = Instant.now();
        Map<String, Phase> phases = new LinkedHashMap<>();
        boolean finished = false;
        engine.start();
        Instant nextProgress = start.plus(PROGRESS_EVERY);
        try {
            while (!finished && Duration.between(start, Instant.now()).compareTo(limit) < 0) {
                Thread.sleep(1000);
                if (!Instant.now().isBefore(nextProgress)) {
                    nextProgress = Instant.now().plus(PROGRESS_EVERY);
                    printProgress(r, out);
                }
                finished = true;
                for (Rehearsal.Expectation e : r.expectations()) {
                    Phase phase = landed(rollout(e.policy()));
                    phases.put(e.policy(), phase);
                    // nothing in a sandbox resumes a paused rollout: it is as far as it will get
                    finished &= phase.terminal() || phase == Phase.Paused;
                }
            }
        } finally {
            engine.stop();
        }
        out.println();
        out.println((finished ? "After " : "Time limit reached after ") + Duration.between(start, Instant.now()).toSeconds() + " s:");
        boolean ok = finished;
        for (Rehearsal.Expectation e : r.expectations()) {
            CanaryRollout cr = rollout(e.policy());
            Phase phase = phases.getOrDefault(e.policy(), Phase.Pending);
            Phase expected = e.scenario().expected();
            ok &= phase == expected;
            out.printf("  %-30s %-11s canary weight %3d%%  %s%n", e.policy(), phase, cr == null ? 0 : cr.getStatus().canaryWeight(),
                    phase == expected ? "as expected (" + e.scenario().label() + ")"
                            : "EXPECTED " + expected + " (" + e.scenario().label() + ")" + (cr == null ? "" : ": " + cr.getStatus().message()));
        }
        printAgreement(r, out);
        if (dump != null) {
            // KServe reports the last move a settle later: dump what it reports then, not the moment before
            if (!r.contents().inferenceServices().isEmpty()) Thread.sleep(dev.aviary.sandbox.Sandbox.KNATIVE_SETTLE.plusSeconds(1).toMillis());
            try {
                int n = Dump.write(client, r.contents().objects(), dump);
                out.println("Wrote the final state of " + n + " objects to " + dump);
            } catch (IOException | KubernetesClientException e) {
                out.println("aviary: could not write the dump to " + dump + ": " + e.getMessage());
                ok = false;
            }
        }
        out.flush();
        return ok ? 0 : 1;
    }

    /** One line per rollout still under way: its step (counted from 1), the canary's weight, and why it stands there. */
    private void printProgress(Rehearsal r, PrintStream out) {
        for (Policy p : r.policies()) {
            CanaryRollout cr = rollout(p.key());
            RolloutStatus s = cr == null ? null : cr.getStatus();
            if (s != null && (s.phase().terminal() || s.phase() == Phase.Paused)) continue;
            // nothing new since the decision's own line (its message is the status' until the next tick says more)
            if (s != null && !s.history().isEmpty() && s.history().get(s.history().size() - 1).message().equals(s.message())) continue;
            out.println(CLOCK.format(LocalTime.now()) + " " + p.key() + (s == null || s.phase() == Phase.Pending ? ": waiting for the first tick"
                    : ": step " + s.stepNumber() + "/" + p.steps().size() + " (" + split(s) + "): " + oneLine(s.message())));
        }
        out.flush();
    }

    /** The shadow-agreement checks' last verdicts: the numbers each rollout ended on (share, bounds, pairs, failures). */
    private void printAgreement(Rehearsal r, PrintStream out) {
        boolean first = true;
        for (Policy p : r.policies()) {
            CanaryRollout cr = rollout(p.key());
            if (cr == null || cr.getStatus() == null) continue;
            for (CheckSpec check : p.checks()) {
                if (!(check instanceof ShadowAgreement.Spec)) continue;
                CheckRecord last = cr.getStatus().checks().stream().filter(c -> c.check().equals(check.name())).findFirst().orElse(null);
                if (last == null) continue;
                if (first) out.println("Shadow agreement, as last judged (the arms' answers to the same stored requests):");
                first = false;
                out.printf("  %s %s %s: %s%n", p.key(), check.name(), last.outcome(), last.message());
            }
        }
    }

    private static void describeTime(Rehearsal r, PrintStream out) {
        TimeScale time = r.time();
        if (time.isRealTime()) {
            out.println("Time runs at real speed: the policies' durations are used as written.");
            return;
        }
        out.printf("Time runs %dx faster than real time: every duration of the policies is divided by %d (the shortest interval"
                + " becomes %s; Prometheus scrapes every second) and the mesh sends %s rps x %d = %s rps per service, so each step"
                + " sees the requests and the looks it would in a cluster:%n", time.factor(), time.factor(),
                Durations.format(TimeScale.FASTEST_INTERVAL), number(r.rps()), time.factor(), number(r.rps() * time.factor()));
        for (Policy p : r.policies()) out.println("  " + p.key() + ": " + time.describe(p));
    }

    private CanaryRollout rollout(String key) {
        String[] nsName = key.split("/", 2);
        return rollouts.get(nsName[0], nsName[1]);
    }

    /** A phase counts once its move has landed on the target. */
    private static Phase landed(CanaryRollout cr) {
        return cr == null || cr.getStatus() == null || cr.getStatus().intended() != null ? Phase.Pending : cr.getStatus().phase();
    }

    /** "70/30" (baseline/canary), as the decision lines say it. */
    private static String split(RolloutStatus s) {
        Weights w = s.applied() != null ? s.applied() : s.intended();
        return w == null ? "?" : w.toSplit().describe();
    }

    /** A progress line stays one line: the checks' full words are in the decision lines and /api/rollouts. */
    private static String oneLine(String message) {
        return message.length() <= PROGRESS_WIDTH ? message : message.substring(0, PROGRESS_WIDTH - 3) + "...";
    }

    private static String number(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private static String trim(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
