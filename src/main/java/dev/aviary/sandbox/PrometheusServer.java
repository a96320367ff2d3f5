package dev.aviary.sandbox;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * A real Prometheus server (Debian's package) run as a child process on a loopback port, scraping the given
 * targets every second. It can be stopped and started again on the same port and data, to play an outage.
 */
public final class PrometheusServer implements AutoCloseable {

    public static final String INSTALL_HINT = "Prometheus is not installed. On Debian or Ubuntu: "
            + "sudo apt-get install -y --no-install-recommends prometheus (or put a prometheus binary on the PATH)";

    private final Path binary;
    private final Path dir;
    private final int port;
    private Process process;

    private PrometheusServer(Path binary, Path dir, int port) {
        this.binary = binary;
        this.dir = dir;
        this.port = port;
    }

    /** Start Prometheus scraping {@code targets} ("127.0.0.1:port") every second; ready when this returns. */
    public static PrometheusServer start(Path dir, String... targets) throws IOException {
        return start(dir, Duration.ofSeconds(1), null, targets);
    }

    /**
     * Start Prometheus scraping {@code targets} every {@code scrapeInterval}; ready when this returns.
     *
     * @param queryLog where Prometheus logs every query it runs (one JSON line each), or null for none
     */
    public static PrometheusServer start(Path dir, Duration scrapeInterval, Path queryLog, String... targets) throws IOException {
        Path binary = find().orElseThrow(() -> new IOException(INSTALL_HINT));
        Files.createDirectories(dir);
        String every = scrapeInterval.toMillis() + "ms";
        StringBuilder cfg = new StringBuilder("global:\n  scrape_interval: " + every + "\n  evaluation_interval: " + every + "\n"
                + (queryLog == null ? "" : "  query_log_file: " + queryLog.toAbsolutePath() + "\n")
                + "scrape_configs:\n  - job_name: mesh\n    static_configs:\n      - targets: [");
        for (int i = 0; i < targets.length; i++) cfg.append(i > 0 ? ", " : "").append('"').append(targets[i]).append('"');
        cfg.append("]\n");
        Files.writeString(dir.resolve("prometheus.yml"), cfg);
        PrometheusServer p = new PrometheusServer(binary, dir, freePort());
        p.resume();
        return p;
    }

    /** Where Prometheus looks for a binary: $AVIARY_PROMETHEUS_BINARY, then the PATH, then Debian's location. */
    public static java.util.Optional<Path> find() {
        String explicit = System.getenv("AVIARY_PROMETHEUS_BINARY");
        if (explicit != null && Files.isExecutable(Path.of(explicit))) return java.util.Optional.of(Path.of(explicit));
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(d, "prometheus");
            if (Files.isExecutable(p)) return java.util.Optional.of(p);
        }
        Path debian = Path.of("/usr/bin/prometheus");
        return Files.isExecutable(debian) ? java.util.Optional.of(debian) : java.util.Optional.empty();
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Start (again) on the same port and data directory. */
    public synchronized void resume() throws IOException {
        if (process != null && process.isAlive()) return;
        process = new ProcessBuilder(binary.toString(), "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IOException("Prometheus exited at start (exit " + process.exitValue() + "); see " + dir.resolve("prometheus.log"));
            }
            if (ready()) return;
            sleep(100);
        }
        throw new IOException("Prometheus did not become ready within 30 s; see " + dir.resolve("prometheus.log"));
    }

    /** Stop the process (an outage); {@link #resume()} brings it back. */
    public synchronized void stop() {
        if (process == null) return;
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }

    private boolean ready() {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url() + "/-/ready").toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(500);
            return c.getResponseCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
