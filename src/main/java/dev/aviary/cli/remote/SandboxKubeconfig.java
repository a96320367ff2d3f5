package dev.aviary.cli.remote;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The kubeconfig a running sandbox ({@code aviary demo}, {@code aviary sandbox}) writes for its mock API server, at a
 * well-known place, so {@code aviary status --sandbox} (or kubectl with {@code KUBECONFIG} set to it) reaches it.
 */
public final class SandboxKubeconfig {

    static final String CONTEXT = "aviary-sandbox";

    private SandboxKubeconfig() {
    }

    /** {@code ${TMPDIR:-/tmp}/aviary-sandbox/kubeconfig}. */
    public static Path path(Map<String, String> env) {
        String tmp = env.get("TMPDIR");
        return Path.of(tmp == null || tmp.isBlank() ? "/tmp" : tmp, "aviary-sandbox", "kubeconfig");
    }

    /** Writes the kubeconfig for the sandbox's API server at {@code apiServer} (plain HTTP, no credentials). */
    public static void write(Path file, String apiServer) throws IOException {
        Files.createDirectories(file.getParent());
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        Files.writeString(partial, """
                # written by a running aviary sandbox for its mock Kubernetes API server; removed when it stops
                apiVersion: v1
                kind: Config
                clusters:
                - name: %1$s
                  cluster: {server: "%2$s"}
                users:
                - name: %1$s
                  user: {}
                contexts:
                - name: %1$s
                  context: {cluster: %1$s, user: %1$s, namespace: default}
                current-context: %1$s
                """.formatted(CONTEXT, apiServer));
        Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Removes the file when it still points at {@code apiServer} (a newer sandbox may have replaced it). */
    public static void remove(Path file, String apiServer) {
        try {
            if (Files.exists(file) && Files.readString(file).contains("\"" + apiServer + "\"")) Files.delete(file);
        } catch (IOException e) {
            // a stale file is reported as unreachable by the next --sandbox call: not worth failing a shutdown for
        }
    }
}
