package dev.aviary.rbac;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.StackWalker.StackFrame;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * Writes one line per request a fabric8 client sends: who sent it, method, path and query. "Who" is read off the
 * calling thread's stack, at the innermost frame of Aviary's code: a class compiled from src/test is a test setting
 * up or inspecting its fixtures ({@code test}); the sandbox and mesh simulator play the cluster ({@code sandbox});
 * any other class of Aviary is the application ({@code app}). fabric8's leader elector renews from its own threads,
 * informers list and watch from theirs; only the application starts either. Lines go to target/api-requests/&lt;this JVM&gt;.log, appended whole, so
 * the Quarkus and plain class loaders of one test run share the file.
 */
public final class ApiRequestRecorder implements Interceptor {

    public enum Origin { app, test, sandbox, unattributed }

    private static final String LEADER_ELECTION = "io.fabric8.kubernetes.client.extended.leaderelection.";
    /** Informers list and watch from fabric8's own threads; only the application's watch cache starts them. */
    private static final List<String> APP_THREADS = List.of(LEADER_ELECTION, "io.fabric8.kubernetes.client.informers.",
            "io.fabric8.kubernetes.client.dsl.internal.AbstractWatchManager");

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
        StackWalker.getInstance().walk(frames -> {
            List<StackFrame> stack = frames.toList();
            Optional<StackFrame> own = stack.stream().filter(f -> f.getClassName().startsWith("dev.aviary.")
                    && !f.getClassName().equals(ApiRequestRecorder.class.getName())).findFirst();
            Origin origin;
            String frame;
            if (own.isPresent()) {
                String c = own.get().getClassName();
                origin = isTestClass(c) ? Origin.test
                        : c.startsWith("dev.aviary.sandbox.") || c.startsWith("dev.aviary.sim.") ? Origin.sandbox : Origin.app;
                frame = c + "." + own.get().getMethodName();
            } else {
                Optional<StackFrame> elector = stack.stream()
                        .filter(f -> APP_THREADS.stream().anyMatch(p -> f.getClassName().startsWith(p))).findFirst();
                origin = elector.isPresent() ? Origin.app : Origin.unattributed;
                frame = elector.map(f -> f.getClassName() + "." + f.getMethodName()).orElse(Thread.currentThread().getName());
            }
            String query = request.uri().getRawQuery();
            append(origin + "\t" + request.method() + "\t" + request.uri().getRawPath() + (query == null ? "" : "?" + query)
                    + "\t" + frame + "\n");
            return null;
        });
    }

    /** This test run's file: one per JVM, named by its process id and start time. */
    public static Path log() {
        ProcessHandle self = ProcessHandle.current();
        long started = self.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
        return basedir().resolve("target/api-requests/" + self.pid() + "-" + started + ".log");
    }

    static Path basedir() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
    }

    private static boolean isTestClass(String className) {
        String top = className.contains("$") ? className.substring(0, className.indexOf('$')) : className;
        return Files.exists(basedir().resolve("target/test-classes/" + top.replace('.', '/') + ".class"));
    }

    private static void append(String line) {
        try {
            Path log = log();
            Files.createDirectories(log.getParent());
            // one write per line with O_APPEND: lines from concurrent clients do not interleave
            Files.write(log, line.getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
