package dev.aviary.cli.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.client.Config;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;

/**
 * Where {@code status} and the controls connect, as options every such command shares: the cluster through a
 * kubeconfig (the default, as kubectl would), Aviary's REST API ({@code --server}), or a running sandbox
 * ({@code --sandbox}). The environment is given, not read, so that tests can give theirs.
 */
public class Connection {

    @CommandLine.Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "The kubeconfig to use (default: $KUBECONFIG, else ~/.kube/config; in a pod, its service account).")
    Path kubeconfig;

    @CommandLine.Option(names = "--context", paramLabel = "NAME", description = "The kubeconfig context (default: its current-context).")
    String context;

    @CommandLine.Option(names = {"-n", "--namespace"}, paramLabel = "NS",
            description = "Only this namespace; the namespace of a NAME given without one (default: the context's).")
    String namespace;

    @CommandLine.Option(names = "--server", paramLabel = "URL",
            description = "Ask Aviary's REST API at URL (e.g. http://aviary.aviary-system) instead of the cluster (default: $AVIARY_SERVER).")
    String server;

    @CommandLine.Option(names = "--token", paramLabel = "TOKEN",
            description = "A Kubernetes bearer token for controls through --server (default: $AVIARY_TOKEN); never printed.")
    String token;

    @CommandLine.Option(names = "--sandbox",
            description = "The mock cluster of a running ./aviary demo or ./aviary sandbox (its kubeconfig: $TMPDIR/aviary-sandbox/kubeconfig,"
                    + " /tmp without TMPDIR).")
    boolean sandbox;

    private final Map<String, String> env;
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    public Connection() {
        this(System.getenv());
    }

    public Connection(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /** The namespace -n gave, or null. */
    public String namespace() {
        return namespace;
    }

    /** Connects as the options say; a {@link Failure} when they are contradictory or nothing can be used. */
    public Rollouts open() {
        boolean clusterAsked = kubeconfig != null || context != null || sandbox;
        if (server != null && clusterAsked) {
            throw Failure.usage("--server asks Aviary's API, --kubeconfig, --context and --sandbox the cluster: give one or the other");
        }
        String url = server != null ? server : clusterAsked ? null : env.get("AVIARY_SERVER");
        if (url != null && !url.isBlank()) return new ApiRollouts(uri(url), token != null ? token : env.get("AVIARY_TOKEN"));
        if (token != null) throw Failure.usage("--token is for --server (Aviary's API); through the cluster, the kubeconfig's credentials are used");
        if (sandbox && kubeconfig != null) throw Failure.usage("--sandbox and --kubeconfig: give one of them");
        Optional<Path> file = kubeconfigFile();
        if (file.isEmpty()) {
            // inside a pod: its service account, as kubectl would
            Config config = Config.autoConfigure(null);
            return new ClusterRollouts(config, config.getMasterUrl() + " (in-cluster service account)");
        }
        String ctx = checkedContext(file.get());
        Config config;
        try {
            config = Config.fromKubeconfig(ctx, file.get().toFile());
        } catch (RuntimeException e) {
            throw Failure.failed("cannot use kubeconfig " + file.get() + ": " + Reachability.cause(e));
        }
        return new ClusterRollouts(config, config.getMasterUrl() + " (context " + ctx + " of " + file.get() + ")");
    }

    private static URI uri(String url) {
        try {
            URI uri = new URI(url.strip());
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) return uri;
        } catch (URISyntaxException e) {
            // said below
        }
        throw Failure.usage("--server wants Aviary's http(s) address, such as http://aviary.aviary-system, not '" + url + "'");
    }

    /** The kubeconfig to read; empty only in a pod without one (its service account is used). */
    private Optional<Path> kubeconfigFile() {
        if (sandbox) {
            Path p = SandboxKubeconfig.path(env);
            if (!Files.isRegularFile(p)) {
                throw Failure.failed("no running sandbox: " + p + " does not exist; start one with ./aviary demo (or ./aviary sandbox)"
                        + " in another shell");
            }
            return Optional.of(p);
        }
        if (kubeconfig != null) {
            if (!Files.isRegularFile(kubeconfig)) throw Failure.failed("--kubeconfig " + kubeconfig + " does not exist");
            return Optional.of(kubeconfig);
        }
        String listed = env.get("KUBECONFIG");
        if (listed != null && !listed.isBlank()) {
            return Optional.of(Arrays.stream(listed.split(java.io.File.pathSeparator)).filter(s -> !s.isBlank()).map(Path::of)
                    .filter(Files::isRegularFile).findFirst()
                    .orElseThrow(() -> Failure.failed("KUBECONFIG=" + listed + " names no file that exists")));
        }
        Path home = Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".kube", "config");
        if (Files.isRegularFile(home)) return Optional.of(home);
        if (env.containsKey("KUBERNETES_SERVICE_HOST")) return Optional.empty();
        throw Failure.failed("no kubeconfig: " + home + " does not exist and KUBECONFIG is not set; give --kubeconfig FILE,"
                + " --server URL (Aviary's API) or --sandbox (a running ./aviary demo)");
    }

    /** The context to use, checked against the file, so a typo is named rather than silently replaced. */
    private String checkedContext(Path file) {
        JsonNode doc;
        try {
            doc = YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw Failure.failed("cannot read kubeconfig " + file + ": " + e.getMessage().lines().findFirst().orElse("not YAML"));
        }
        List<String> contexts = new ArrayList<>();
        doc.path("contexts").forEach(c -> contexts.add(c.path("name").asText()));
        String wanted = context != null ? context : doc.path("current-context").asText("");
        if (wanted.isEmpty()) {
            throw Failure.failed("kubeconfig " + file + " has no current-context; give --context (one of: " + String.join(", ", contexts) + ")");
        }
        if (!contexts.contains(wanted)) {
            throw Failure.failed("no context '" + wanted + "' in kubeconfig " + file + (contexts.isEmpty() ? " (it has none)"
                    : "; its contexts: " + String.join(", ", contexts)));
        }
        return wanted;
    }
}
