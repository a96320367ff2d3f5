package dev.aviary.sandbox;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Writes the final state of a rehearsal's objects as YAML, one file per object ({@code DIR/namespace/kind/name.yaml}):
 * the manifests' objects as Aviary left them, the CanaryRollouts and the Events — what Aviary would have written to
 * the cluster. Fields the API server sets (resourceVersion, uid, creationTimestamp, generation, managedFields) are
 * left out, so a file compares with the manifest it came from.
 */
public final class Dump {

    /** Marks a directory as a dump, so a later run may replace it and never clears a directory it did not write. */
    static final String MARKER = ".aviary-sandbox-dump";

    private Dump() {}

    /** Why {@code dir} cannot take a dump; null when it can (absent, empty, or an earlier dump). */
    public static String unusable(Path dir) {
        if (!Files.exists(dir)) return null;
        if (!Files.isDirectory(dir)) return dir + ": --dump names a directory, and this is a file";
        try (Stream<Path> s = Files.list(dir)) {
            if (s.findAny().isEmpty() || Files.exists(dir.resolve(MARKER))) return null;
        } catch (IOException e) {
            return dir + ": cannot list the directory: " + e.getMessage();
        }
        return dir + ": not empty and not an earlier dump; give --dump a new or empty directory";
    }

    /** Replace {@code dir}'s content with the objects' current state; returns the number of files written. */
    public static int write(KubernetesClient client, List<GenericKubernetesResource> objects, Path dir) throws IOException {
        String problem = unusable(dir);
        if (problem != null) throw new IOException(problem);
        clear(dir);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(MARKER), "written by aviary sandbox --dump; the next run replaces this directory\n");
        List<GenericKubernetesResource> current = new ArrayList<>();
        for (GenericKubernetesResource o : objects) {
            GenericKubernetesResource now = client.genericKubernetesResources(Manifests.context(o)).inNamespace(o.getMetadata().getNamespace())
                    .withName(o.getMetadata().getName()).get();
            if (now != null) current.add(now);
        }
        current.addAll(client.genericKubernetesResources(Manifests.context("aviary.dev/v1", "CanaryRollout")).inAnyNamespace().list().getItems());
        current.addAll(client.genericKubernetesResources(Manifests.context("v1", "Event")).inAnyNamespace().list().getItems());
        for (GenericKubernetesResource o : current) {
            strip(o.getMetadata());
            Path file = dir.resolve(safe(o.getMetadata().getNamespace())).resolve(o.getKind().toLowerCase(Locale.ROOT))
                    .resolve(safe(o.getMetadata().getName()) + ".yaml");
            Files.createDirectories(file.getParent());
            Files.writeString(file, client.getKubernetesSerialization().asYaml(o));
        }
        return current.size();
    }

    private static void strip(ObjectMeta m) {
        m.setResourceVersion(null);
        m.setUid(null);
        m.setCreationTimestamp(null);
        m.setGeneration(null);
        m.setManagedFields(null);
    }

    /** A name as a file name: Kubernetes names are already safe, but a dump never writes outside its directory. */
    private static String safe(String name) {
        return name == null || name.isEmpty() ? "_cluster" : name.replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("^\\.+", "_");
    }

    private static void clear(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        List<Path> all;
        try (Stream<Path> s = Files.walk(dir)) {
            all = s.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(dir)).toList();
        }
        for (Path p : all) Files.delete(p);
    }
}
