package dev.aviary.cli;

import dev.aviary.policy.KServeTarget;
import dev.aviary.sandbox.Rehearsal;
import dev.aviary.traffic.TrafficRouters;
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

    @CommandLine.Parameters(arity = "0..1", paramLabel = "WHICH", description = "istio (the default) or kserve: the KServe tutorial's"
            + " fraud classifier, an InferenceService rolled out with canaryTrafficPercent.")
    String which;

    private final SandboxRun run;
    private final String prometheusUrl;
    private final TrafficRouters routers;

    public DemoCommand(SandboxRun run, @org.eclipse.microprofile.config.inject.ConfigProperty(name = "aviary.prometheus.url") String prometheusUrl,
            TrafficRouters routers) {
        this.run = run;
        this.prometheusUrl = prometheusUrl;
        this.routers = routers;
    }

    @Override
    public Integer call() throws InterruptedException {
        if ("kserve".equals(which)) return kserve();
        if (which != null && !"istio".equals(which)) {
            System.err.println("aviary demo: unknown demo '" + which + "'; use istio (the default) or kserve");
            return 2;
        }
        System.out.println("""
                Aviary sandbox: a mock Kubernetes API holding two Istio VirtualServices, a mesh simulator sending them
                traffic, and a real Prometheus (%s) scraping it.
                  default/image-classifier  ResNet50 -> ResNet101, a good canary: expect promotion
                  payments/fraud-detector   XGBoost v7 -> v8, 5x the error rate: expect rollback""".formatted(prometheusUrl));
        return run.run(Rehearsal.demo(), timeout, null, System.out);
    }

    /**
     * The KServe demo needs a router for InferenceServices and the Knative metric presets; the sandbox side (the KServe
     * simulator, the tutorial's InferenceService) is here. Until both are in this build, say what is missing and run
     * nothing rather than a rollout that would hold forever.
     */
    private int kserve() {
        boolean router = routers.route(new KServeTarget("fraud-classifier"), "kserve-deployments").isPresent();
        System.err.println("aviary demo kserve: not in this build yet: " + (router ? "" : "no traffic router for InferenceServices"
                + " (traffic.kserve) and ") + "no Knative metric presets (knative-error-rate, ...) or KServe demo policy; the KServe"
                + " simulator and the tutorial's fraud-classifier InferenceService are ready (sim.kserve, sandbox/kserve/)");
        return 2;
    }
}
