package dev.aviary.bench;

import dev.aviary.cli.OptionalCommands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * {@code aviary bench} in the full build: its cluster (mock API server, mesh, Prometheus) starts before Quarkus, as
 * the sandbox's does, because the application's Kubernetes client and Prometheus URL are set when it boots.
 */
public class BenchCommands implements OptionalCommands {

    static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    @Override
    public List<Class<?>> commands() {
        return List.of(BenchCommand.class);
    }

    @Override
    public Optional<Boot> beforeBoot(String command, String[] options) throws IOException {
        if (!"bench".equals(command)) return Optional.empty();
        BenchOptions o = new BenchOptions();
        new CommandLine(o).parseArgs(options); // the CLI parsed them already: they parse
        String problem = o.problem();
        if (problem != null) throw new IllegalArgumentException(problem);
        java.util.logging.Logger fabric8 = java.util.logging.Logger.getLogger("io.fabric8");
        fabric8.setLevel(java.util.logging.Level.SEVERE); // the mock API server's request log
        Path workDir = Files.createTempDirectory("aviary-bench");
        BenchCluster cluster;
        try {
            cluster = BenchCluster.start(workDir, o.fleet(), BenchCommands::progress);
        } catch (IOException | RuntimeException e) {
            delete(workDir);
            throw e;
        }
        Map<String, String> properties = new LinkedHashMap<>(cluster.properties());
        // a cluster logs at INFO; here thousands of "policy in force" lines would bury the figures
        properties.put("quarkus.log.console.level", "WARN");
        properties.put("quarkus.banner.enabled", "false");
        progress("starting the Aviary daemon on it (the application as it runs in a cluster)");
        return Optional.of(new Boot(properties, () -> {
            cluster.close();
            delete(workDir);
        }));
    }

    static void progress(String what) {
        System.err.println(CLOCK.format(LocalTime.now()) + " " + what);
        System.err.flush();
    }

    private static void delete(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is not worth failing for
        }
    }
}
