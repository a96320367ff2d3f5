package dev.aviary.cli;

import dev.aviary.cli.remote.SandboxKubeconfig;
import dev.aviary.sandbox.Rehearsal;
import dev.aviary.sandbox.Sandbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * The full build's sandbox commands. The sandbox of {@code demo} and {@code sandbox} is started before Quarkus,
 * because the Kubernetes client and the Prometheus URL are configured when the application boots. When the input is
 * bad no sandbox starts, and the command itself reports why. A running sandbox writes a kubeconfig for its mock API
 * server ({@link SandboxKubeconfig}), so {@code aviary status --sandbox} and kubectl reach it from another shell.
 */
public class SandboxCommands implements OptionalCommands {

    @Override
    public List<Class<?>> commands() {
        return List.of(DemoCommand.class, SandboxCommand.class, SimulateCommand.class);
    }

    @Override
    public Optional<Boot> beforeBoot(String command, String[] options) throws IOException {
        if (!"demo".equals(command) && !"sandbox".equals(command)) return Optional.empty();
        // the sandbox starts before Quarkus configures logging: keep the mock API server's request log quiet until then
        java.util.logging.Logger fabric8 = java.util.logging.Logger.getLogger("io.fabric8");
        java.util.logging.Level fabric8Level = fabric8.getLevel();
        fabric8.setLevel(java.util.logging.Level.SEVERE);
        boolean help = Arrays.stream(options).anyMatch(a -> a.equals("--help") || a.equals("-h"));
        if (!help) progress("reading the manifests and the policies to rehearse");
        Rehearsal rehearsal = rehearsal(command, options);
        if (rehearsal == null) {
            fabric8.setLevel(fabric8Level);
            return Optional.empty();
        }
        Path workDir = Files.createTempDirectory("aviary-sandbox");
        Sandbox sandbox;
        try {
            sandbox = Sandbox.start(workDir, rehearsal.contents(), SandboxCommands::progress);
        } catch (IOException | RuntimeException e) {
            fabric8.setLevel(fabric8Level);
            delete(workDir);
            throw e;
        }
        Path kubeconfig = SandboxKubeconfig.path(System.getenv());
        SandboxKubeconfig.write(kubeconfig, sandbox.apiServerUrl());
        Map<String, String> properties = new LinkedHashMap<>();
        properties.putAll(sandbox.clientProperties());
        properties.putAll(sandbox.config());
        properties.put(SandboxRun.API_SERVER_PROPERTY, sandbox.apiServerUrl());
        properties.put(SandboxRun.KUBECONFIG_PROPERTY, kubeconfig.toString());
        properties.put("aviary.leader-election.enabled", "false");
        String port = Integer.toString(freePort());
        properties.put("quarkus.http.port", port);
        properties.put("quarkus.http.test-port", port);
        properties.put("quarkus.log.console.format", "%d{HH:mm:ss} %s%e%n");
        properties.put("quarkus.banner.enabled", "false");
        progress("starting the Aviary daemon on it (the application as it runs in a cluster)");
        return Optional.of(new Boot(properties, () -> {
            fabric8.setLevel(fabric8Level);
            SandboxKubeconfig.remove(kubeconfig, sandbox.apiServerUrl());
            sandbox.close();
            delete(workDir);
        }));
    }

    /** A line of what the sandbox is doing, timed like the log lines that follow it. */
    private static void progress(String what) {
        System.out.println(SandboxRun.CLOCK.format(java.time.LocalTime.now()) + " " + what);
        System.out.flush();
    }

    /** What the command will rehearse; null when its options or input are bad (the command says why once booted). */
    private static Rehearsal rehearsal(String command, String[] options) {
        if ("demo".equals(command)) {
            // the demo named by the first word (istio by default); an unknown one starts nothing and the command says so
            String which = Arrays.stream(options).filter(o -> !o.startsWith("-") && !o.matches("\\d.*")).findFirst().orElse("istio");
            return switch (which) {
                case "istio" -> Rehearsal.demo();
                case "kserve" -> Rehearsal.kserveDemo();
                case "shadow" -> Rehearsal.shadowDemo();
                default -> null;
            };
        }
        SandboxOptions o = new SandboxOptions();
        try {
            new CommandLine(o).parseArgs(options);
        } catch (CommandLine.ParameterException e) {
            return null;
        }
        try {
            Rehearsal.Prepared p = o.prepare();
            return p.ok() ? p.rehearsal() : null;
        } catch (RuntimeException e) {
            return null; // the command meets it again and says so in one line
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is not worth failing for
        }
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
