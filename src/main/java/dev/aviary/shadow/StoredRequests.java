package dev.aviary.shadow;

import dev.aviary.policy.Policy;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.net.HttpURLConnection;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a replay check's payloads live, as {@code source.replay.payloads} names them: a file or directory relative
 * to the policy file's directory, or {@code configmap/<name>} in the policy's namespace, read through the API server
 * (each data key a file: {@code golden.jsonl} is JSON Lines, anything else one JSON document).
 */
public final class StoredRequests {

    public static final String CONFIGMAP = "configmap/";

    private final KubernetesClient client;

    public StoredRequests(KubernetesClient client) {
        this.client = client;
    }

    /**
     * Every payload {@code payloads} names for {@code policy}.
     *
     * @throws Payloads.PayloadException one line: which file or ConfigMap, and what is wrong with it
     */
    public List<Payload> load(Policy policy, String payloads) throws Payloads.PayloadException {
        if (payloads.startsWith(CONFIGMAP)) return configMap(policy.namespace(), payloads.substring(CONFIGMAP.length()));
        Path path = Path.of(payloads);
        if (!path.isAbsolute() && policy.source() != null) {
            Path dir = policy.source().toAbsolutePath().getParent();
            if (dir != null) path = dir.resolve(path);
        }
        return Payloads.load(path);
    }

    private List<Payload> configMap(String namespace, String name) throws Payloads.PayloadException {
        ConfigMap cm;
        try {
            cm = client.configMaps().inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_FORBIDDEN) {
                throw new Payloads.PayloadException(CONFIGMAP + name + ": Aviary may not read ConfigMaps in namespace " + namespace
                        + ": an operator grants it per namespace with a Role and RoleBinding (k8s/rbac-payloads.yaml)");
            }
            throw new Payloads.PayloadException(CONFIGMAP + name + ": cannot read it in namespace " + namespace + " ("
                    + (e.getCode() > 0 ? "HTTP " + e.getCode() : e.getClass().getSimpleName()) + ")");
        }
        if (cm == null) throw new Payloads.PayloadException(CONFIGMAP + name + ": no such ConfigMap in namespace " + namespace);
        if (cm.getData() == null || cm.getData().isEmpty()) {
            throw new Payloads.PayloadException(CONFIGMAP + name + ": the ConfigMap has no data; store the payloads as"
                    + " .json or .jsonl keys (kubectl create configmap " + name + " --from-file=...)");
        }
        // each key names its file in messages: "configmap/fraud-golden/transactions.jsonl:12: not valid JSON: ..."
        Map<String, String> files = new TreeMap<>();
        cm.getData().forEach((key, text) -> files.put(CONFIGMAP + name + "/" + key, text));
        return Payloads.parse(files);
    }
}
