package dev.aviary.sandbox;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.Pluralize;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Kubernetes objects read from multi-document YAML, as {@code kubectl apply -f DIR} reads them: every
 * {@code .yaml}, {@code .yml} and {@code .json} file of the directory (not its subdirectories), documents separated
 * by {@code ---}, {@code kind: List} unpacked. Objects are kept as raw maps so they reach the API server, and the
 * dump, exactly as written.
 */
public final class Manifests {

    /** Kinds without a namespace; a rollout needs none of them, so they are left out of the sandbox. */
    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding",
            "PersistentVolume", "StorageClass", "PriorityClass", "IngressClass", "RuntimeClass", "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration", "APIService", "Node");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    /** Where an object was written: {@code file:line}. */
    public record Source(String file, int line) {
        @Override
        public String toString() {
            return file + ":" + line;
        }
    }

    /** One object and where it came from. */
    public record Item(GenericKubernetesResource object, Source source) {
        public String kind() {
            return object.getKind();
        }

        public String namespace() {
            return object.getMetadata().getNamespace();
        }

        public String name() {
            return object.getMetadata().getName();
        }

        /** "VirtualService default/image-classifier". */
        public String describe() {
            return kind() + " " + namespace() + "/" + name();
        }
    }

    /**
     * @param items    the objects, one per kind/namespace/name (a later definition replaces an earlier one)
     * @param notes    what was skipped or replaced, one line each
     * @param problems what makes the input unusable (a YAML syntax error), as {@code file:line:col: message}
     */
    public record Result(List<Item> items, List<String> notes, List<String> problems) {
        public Result {
            items = List.copyOf(items);
            notes = List.copyOf(notes);
            problems = List.copyOf(problems);
        }
    }

    private final Map<String, Item> items = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    private Manifests() {}

    /** Every manifest file of {@code dir}. */
    public static Result readDirectory(Path dir) {
        Manifests m = new Manifests();
        if (!Files.isDirectory(dir)) {
            m.problems.add(dir + ": no such directory (--manifests names the directory holding your YAML manifests)");
            return m.result();
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Manifests::isManifestFile).filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            m.problems.add(dir + ": cannot list the directory: " + e.getMessage());
            return m.result();
        }
        if (files.isEmpty()) m.problems.add(dir + ": no .yaml, .yml or .json files");
        for (Path f : files) {
            try {
                m.read(Files.readString(f, StandardCharsets.UTF_8), f.toString());
            } catch (IOException e) {
                m.problems.add(f + ": cannot read the file: " + e.getMessage());
            }
        }
        return m.result();
    }

    /** The objects of classpath resources (the demo's and the tests' clusters). */
    public static Result readResources(List<String> resources) {
        Manifests m = new Manifests();
        for (String r : resources) {
            try (InputStream in = Manifests.class.getClassLoader().getResourceAsStream(r)) {
                if (in == null) throw new IOException("missing classpath resource " + r);
                m.read(new String(in.readAllBytes(), StandardCharsets.UTF_8), r);
            } catch (IOException e) {
                m.problems.add(r + ": " + e.getMessage());
            }
        }
        return m.result();
    }

    /** The objects of one multi-document YAML text. */
    public static Result readText(String yaml, String name) {
        Manifests m = new Manifests();
        m.read(yaml, name);
        return m.result();
    }

    private static boolean isManifestFile(Path p) {
        String n = p.getFileName().toString();
        return !n.startsWith(".") && (n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json"));
    }

    private Result result() {
        return new Result(List.copyOf(items.values()), notes, problems);
    }

    private void read(String text, String file) {
        try (JsonParser p = YAML.getFactory().createParser(text)) {
            while (p.nextToken() != null) {
                int line = p.currentTokenLocation().getLineNr();
                Object doc = YAML.readValue(p, Object.class);
                add(doc, new Source(file, line));
            }
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? file : file + ":" + at.getLineNr() + ":" + at.getColumnNr();
            problems.add(where + ": not valid YAML: " + oneLine(e.getOriginalMessage()));
        } catch (IOException e) {
            problems.add(file + ": cannot read the YAML: " + oneLine(e.getMessage()));
        }
    }

    @SuppressWarnings("unchecked")
    private void add(Object doc, Source at) {
        if (doc == null) return; // an empty document, as between two ---
        if (!(doc instanceof Map<?, ?> map)) {
            notes.add(at + ": skipped: a document that is not a Kubernetes object (a mapping with apiVersion and kind)");
            return;
        }
        Object kind = map.get("kind");
        if ("List".equals(kind) && map.get("items") instanceof List<?> list) {
            for (Object item : list) add(item, at);
            return;
        }
        Object apiVersion = map.get("apiVersion");
        Object metadata = map.get("metadata");
        Object name = metadata instanceof Map<?, ?> md ? md.get("name") : null;
        if (!(apiVersion instanceof String) || !(kind instanceof String) || !(name instanceof String)) {
            notes.add(at + ": skipped: no apiVersion, kind and metadata.name (" + (kind instanceof String k ? k : "no kind") + ")");
            return;
        }
        if (CLUSTER_SCOPED.contains(kind)) {
            notes.add(at + ": skipped " + kind + " " + name + ": cluster-scoped, a rollout does not need it");
            return;
        }
        if ("CanaryPolicy".equals(kind)) {
            notes.add(at + ": skipped CanaryPolicy " + name + ": policies are read from --policies");
            return;
        }
        Map<String, Object> md = (Map<String, Object>) metadata;
        if (!(md.get("namespace") instanceof String ns) || ns.isEmpty()) md.put("namespace", "default");
        GenericKubernetesResource object;
        try {
            object = SERIALIZATION.convertValue(map, GenericKubernetesResource.class);
        } catch (IllegalArgumentException e) {
            problems.add(at + ": " + kind + " " + name + " is not a valid Kubernetes object: " + oneLine(e.getMessage()));
            return;
        }
        Item item = new Item(object, at);
        String key = apiGroup((String) apiVersion) + "/" + kind + "/" + item.namespace() + "/" + name;
        Item earlier = items.remove(key);
        if (earlier != null) notes.add(at + ": " + item.describe() + " is also defined at " + earlier.source() + "; this later one is used");
        items.put(key, item);
    }

    /** Where the API server keeps objects like {@code o} (every kind the sandbox loads is namespaced). */
    static ResourceDefinitionContext context(GenericKubernetesResource o) {
        return context(o.getApiVersion(), o.getKind());
    }

    static ResourceDefinitionContext context(String apiVersion, String kind) {
        int slash = apiVersion.indexOf('/');
        return new ResourceDefinitionContext.Builder()
                .withGroup(slash < 0 ? "" : apiVersion.substring(0, slash))
                .withVersion(apiVersion.substring(slash + 1))
                .withKind(kind)
                .withPlural(Pluralize.toPlural(kind.toLowerCase(Locale.ROOT)))
                .withNamespaced(true)
                .build();
    }

    /** Versions of one group are one object on a real server: v1 and v1beta1 of a VirtualService are the same thing. */
    private static String apiGroup(String apiVersion) {
        int slash = apiVersion.indexOf('/');
        return slash < 0 ? "" : apiVersion.substring(0, slash);
    }

    /** A message fit for one line: the first line, control characters escaped. */
    static String oneLine(String message) {
        if (message == null) return "";
        String first = message.strip().split("\\R", 2)[0];
        StringBuilder s = new StringBuilder();
        for (char c : first.toCharArray()) {
            if (Character.isISOControl(c)) s.append(String.format("\\u%04x", (int) c));
            else s.append(c);
        }
        return s.toString();
    }
}
