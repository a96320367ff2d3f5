package dev.aviary.cli;

import dev.aviary.sandbox.Rehearsal;
import dev.aviary.sandbox.fraud.Transactions;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/** {@code aviary demo}: the sandbox on the built-in manifests, a good canary promoted and a bad one rolled back. */
@CommandLine.Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Roll out a good and a bad canary in a built-in sandbox (mock Kubernetes API, mesh simulator, real Prometheus)"
                + " and print every decision. To rehearse your own manifests and policies: aviary sandbox.")
public class DemoCommand implements Callable<Integer> {

    @CommandLine.Option(names = "--timeout", defaultValue = "4m", converter = SandboxOptions.DurationConverter.class,
            description = "Give up after this long (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @CommandLine.Option(names = "--dump", paramLabel = "DIR",
            description = "Write the final state of every object (the targets, the CanaryRollouts, the Events) as YAML, one file each.")
    java.nio.file.Path dump;

    @CommandLine.Parameters(arity = "0..1", paramLabel = "WHICH", description = "istio (the default); kserve: the KServe tutorial's"
            + " fraud classifier, an InferenceService rolled out with canaryTrafficPercent; shadow: the same, judged also on what"
            + " real fraud models predict (a canary with perfect metrics but different answers is rolled back).")
    String which;

    private final SandboxRun run;
    private final String prometheusUrl;

    public DemoCommand(SandboxRun run, @org.eclipse.microprofile.config.inject.ConfigProperty(name = "aviary.prometheus.url") String prometheusUrl) {
        this.run = run;
        this.prometheusUrl = prometheusUrl;
    }

    @Override
    public Integer call() throws InterruptedException {
        if (dump != null && dev.aviary.sandbox.Dump.unusable(dump) != null) {
            System.err.println("aviary demo: " + dev.aviary.sandbox.Dump.unusable(dump));
            return 2;
        }
        if ("kserve".equals(which)) return kserve();
        if ("shadow".equals(which)) return shadow();
        if (which != null && !"istio".equals(which)) {
            System.err.println("aviary demo: unknown demo '" + which + "'; use istio (the default), kserve or shadow");
            return 2;
        }
        System.out.println("""
                Aviary sandbox: a mock Kubernetes API holding two Istio VirtualServices, a mesh simulator sending them
                traffic, and a real Prometheus (%s) scraping it.
                  default/image-classifier  ResNet50 -> ResNet101, a good canary: expect promotion
                  payments/fraud-detector   XGBoost v7 -> v8, 5x the error rate: expect rollback""".formatted(prometheusUrl));
        return run.run(Rehearsal.demo(), timeout, dump, System.out);
    }

    /** The KServe tutorial's fraud classifier, a good and a bad random-forest canary side by side. */
    private int kserve() throws InterruptedException {
        System.out.println("""
                Aviary sandbox: a mock Kubernetes API holding the KServe tutorial's InferenceService twice, a KServe simulator
                playing its controller (revisions, status.components.predictor.traffic[]) and Knative's queue-proxy metrics,
                and a real Prometheus (%s) scraping it. XGBoost is revision 00001, rolled out; the random forest is applied
                as revision 00002 with canaryTrafficPercent at the policy's first step. Aviary moves only that field.
                  kserve-deployments/fraud-classifier  a good canary: expect promotion (canaryTrafficPercent removed)
                  %s/fraud-classifier   5x the error rate: expect rollback (canaryTrafficPercent: 0)""".formatted(prometheusUrl,
                Rehearsal.KSERVE_BAD_NAMESPACE));
        return run.run(Rehearsal.kserveDemo(), timeout, dump, System.out);
    }

    /** The KServe demo's InferenceServices with request metrics that cannot tell, and real models that can. */
    private int shadow() throws InterruptedException {
        System.out.println("""
                Aviary sandbox: the KServe demo (mock Kubernetes API, KServe simulator, real Prometheus at %s), both canaries
                serving exactly like the baseline: same error rate, same latency, so the request checks pass. The fraud
                models are real: XGBoost (baseline), the random forest and a random forest trained on TransactionAmt in
                cents, trained at start-up and served over HTTP on 127.0.0.1. Each policy's shadow-agreement check replays
                the %d stored transactions of policies/%s to both arms and compares their top-1 answers
                (minAgreement 95%%). The sandbox has no cluster DNS, so the policies name the model servers' local
                addresses in source.replay.endpoints (in a cluster Aviary can derive them from the target).
                  kserve-deployments/fraud-classifier  random forest, asked over V2 (/v2/models/fraud-classifier/infer):
                                                       agrees, expect promotion
                  %s/fraud-classifier   amounts in cents, asked like BentoML (POST /classify): disagrees,
                                                       expect a rollback by the agreement check""".formatted(prometheusUrl,
                Transactions.PAYLOAD_ROWS, Rehearsal.SHADOW_PAYLOADS, Rehearsal.KSERVE_BAD_NAMESPACE));
        return run.run(Rehearsal.shadowDemo(), timeout, dump, System.out);
    }
}
