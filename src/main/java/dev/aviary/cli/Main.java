package dev.aviary.cli;

import dev.aviary.sandbox.Rehearsal;
import dev.aviary.sandbox.Sandbox;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * The entry point of every command. The sandbox of {@code demo} and {@code sandbox} is started here, before Quarkus,
 * because the Kubernetes client and the Prometheus URL are configured when the application boots. When the input is
 * bad no sandbox starts, and the command itself reports why.
 */
@QuarkusMain
public class Main implements QuarkusApplication {

    /** Commands that run on a sandbox. */
    private static final Set<String> SANDBOXED = Set.of("demo", "sandbox");

    private final CommandLine.IFactory factory;

    public Main(CommandLine.IFactory factory) {
        this.factory = factory;
    }

    public static void main(String... args) throws Exception {
        String command = args.length == 0 ? "" : args[0];
        Map<String, String> properties = new LinkedHashMap<>();
        if (!"run".equals(command)) {
            // a one-shot command should not take the daemon's port or chatter about booting
            properties.put("quarkus.http.port", "0");
            properties.put("quarkus.http.test-port", "0");
            properties.put("quarkus.log.category.\"io.quarkus\".level", "WARN");
        }
        // the sandbox starts before Quarkus configures logging: keep the mock API server's request log quiet until then
        java.util.logging.Logger fabric8 = java.util.logging.Logger.getLogger("io.fabric8");
        java.util.logging.Level fabric8Level = fabric8.getLevel();
        if (SANDBOXED.contains(command)) fabric8.setLevel(java.util.logging.Level.SEVERE);
        Sandbox sandbox = null;
        Path workDir = null;
        boolean help = Arrays.stream(args).anyMatch(a -> a.equals("--help") || a.equals("-h"));
        if (SANDBOXED.contains(command) && !help) progress("reading the manifests and the policies to rehearse");
        Rehearsal rehearsal = SANDBOXED.contains(command) ? rehearsal(command, Arrays.copyOfRange(args, 1, args.length)) : null;
        if (rehearsal != null) {
            workDir = Files.createTempDirectory("aviary-sandbox");
            try {
                sandbox = Sandbox.start(workDir, rehearsal.contents(), Main::progress);
            } catch (IOException | RuntimeException e) {
                System.err.println("aviary " + command + ": " + e.getMessage());
                delete(workDir);
                System.exit(2);
                return;
            }
            properties.putAll(sandbox.clientProperties());
            properties.putAll(sandbox.config());
            properties.put(SandboxRun.API_SERVER_PROPERTY, sandbox.apiServerUrl());
            properties.put("aviary.leader-election.enabled", "false");
            String port = Integer.toString(freePort());
            properties.put("quarkus.http.port", port);
            properties.put("quarkus.http.test-port", port);
            properties.put("quarkus.log.console.format", "%d{HH:mm:ss} %s%e%n");
            properties.put("quarkus.banner.enabled", "false");
        }
        Map<String, String> previous = set(properties);
        Thread cleanup = null;
        if (sandbox != null) {
            Sandbox s = sandbox;
            Path dir = workDir;
            cleanup = new Thread(() -> {
                s.close();
                delete(dir);
            }, "sandbox-shutdown");
            Runtime.getRuntime().addShutdownHook(cleanup);
        }
        if (sandbox != null) progress("starting the Aviary daemon on it (the application as it runs in a cluster)");
        try {
            Quarkus.run(Main.class, args); // exits the JVM, except under a test launcher
        } finally {
            fabric8.setLevel(fabric8Level);
            set(previous);
            if (cleanup != null) {
                Runtime.getRuntime().removeShutdownHook(cleanup);
                cleanup.run();
            }
        }
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

    @Override
    public int run(String... args) {
        return new CommandLine(new AviaryCommand(), factory).execute(args.length == 0 ? new String[] {"--help"} : args);
    }

    /** Sets the system properties (a null value clears one); returns what they were, to put back the same way. */
    private static Map<String, String> set(Map<String, String> properties) {
        Map<String, String> previous = new HashMap<>();
        properties.forEach((k, v) -> {
            previous.put(k, System.getProperty(k));
            if (v == null) System.clearProperty(k);
            else System.setProperty(k, v);
        });
        return previous;
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
