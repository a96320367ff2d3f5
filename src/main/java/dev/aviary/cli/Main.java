package dev.aviary.cli;

import dev.aviary.sandbox.Sandbox;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import picocli.CommandLine;

/**
 * The entry point of every command. The sandbox is started here, before Quarkus, because the Kubernetes client and
 * the Prometheus URL are configured when the application boots.
 */
@QuarkusMain
public class Main implements QuarkusApplication {

    /** Commands that serve the REST API and status page on the configured port. */
    private static final Set<String> SERVING = Set.of("run", "demo");

    private final CommandLine.IFactory factory;

    public Main(CommandLine.IFactory factory) {
        this.factory = factory;
    }

    public static void main(String... args) throws Exception {
        String command = args.length == 0 ? "" : args[0];
        if (!SERVING.contains(command)) {
            // a one-shot command should not take the daemon's port or chatter about booting
            System.setProperty("quarkus.http.port", "0");
            System.setProperty("quarkus.log.category.\"io.quarkus\".level", "WARN");
        }
        if ("demo".equals(command)) {
            Sandbox sandbox;
            try {
                Path dir = Files.createTempDirectory("aviary-sandbox");
                sandbox = Sandbox.start(dir, Sandbox.demo());
            } catch (java.io.IOException e) {
                System.err.println("aviary demo: " + e.getMessage());
                System.exit(2);
                return;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(sandbox::close, "sandbox-shutdown"));
            sandbox.config().forEach(System::setProperty);
            System.setProperty("aviary.leader-election.enabled", "false");
            System.setProperty("quarkus.http.port", Integer.toString(freePort()));
            System.setProperty("quarkus.log.console.format", "%d{HH:mm:ss} %s%e%n");
            System.setProperty("quarkus.log.category.\"io.quarkus\".level", "WARN");
            System.setProperty("quarkus.banner.enabled", "false");
        }
        Quarkus.run(Main.class, args);
    }

    @Override
    public int run(String... args) {
        return new CommandLine(new AviaryCommand(), factory).execute(args.length == 0 ? new String[] {"--help"} : args);
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static String[] rest(String[] args) {
        return Arrays.copyOfRange(args, 1, args.length);
    }
}
