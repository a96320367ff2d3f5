package dev.aviary.cli;

import dev.aviary.sandbox.Rehearsal;
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

    private final SandboxRun run;
    private final String prometheusUrl;

    public DemoCommand(SandboxRun run, @org.eclipse.microprofile.config.inject.ConfigProperty(name = "aviary.prometheus.url") String prometheusUrl) {
        this.run = run;
        this.prometheusUrl = prometheusUrl;
    }

    @Override
    public Integer call() throws InterruptedException {
        System.out.println("""
                Aviary sandbox: a mock Kubernetes API holding two Istio VirtualServices, a mesh simulator sending them
                traffic, and a real Prometheus (%s) scraping it.
                  default/image-classifier  ResNet50 -> ResNet101, a good canary: expect promotion
                  payments/fraud-detector   XGBoost v7 -> v8, 5x the error rate: expect rollback""".formatted(prometheusUrl));
        return run.run(Rehearsal.demo(), timeout, null, System.out);
    }
}
