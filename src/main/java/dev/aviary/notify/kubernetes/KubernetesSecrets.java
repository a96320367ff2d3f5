package dev.aviary.notify.kubernetes;

import dev.aviary.notify.SecretReader;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * Reads notification secrets from Kubernetes Secrets in the policy's namespace, and only there: a policy cannot
 * reach another team's Secrets, and Aviary reads Secrets only in the namespaces an operator granted it (k8s/rbac.yaml).
 * Values are returned as stored: callers trim and check them.
 */
public final class KubernetesSecrets implements SecretReader {

    /** A Secret's name (DNS subdomain): no namespace, no path. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private final KubernetesClient client;

    public KubernetesSecrets(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public String read(String namespace, String secret, String key) {
        if (secret == null || !NAME.matcher(secret).matches()) {
            throw new IllegalArgumentException("Secret reference \"" + secret + "\" is not the name of a Secret in the policy's namespace "
                    + namespace + (secret != null && secret.contains("/") ? "; a policy may only use Secrets in its own namespace:"
                    + " copy the Secret into " + namespace + " and name it there" : ""));
        }
        Secret s;
        try {
            s = client.secrets().inNamespace(namespace).withName(secret).get();
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_FORBIDDEN) throw e;
            throw new IllegalStateException("Aviary may not read Secrets in namespace " + namespace + " (Secret " + secret
                    + "): an operator grants it per namespace with a Role and RoleBinding (k8s/rbac-secrets.yaml)");
        }
        if (s == null) throw new IllegalStateException("Secret " + namespace + "/" + secret + " not found");
        if (s.getStringData() != null && s.getStringData().containsKey(key)) return s.getStringData().get(key);
        String b64 = s.getData() == null ? null : s.getData().get(key);
        if (b64 == null) throw new IllegalStateException("Secret " + namespace + "/" + secret + " has no key '" + key + "'");
        try {
            return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("Secret " + namespace + "/" + secret + " key '" + key + "' is not valid base64");
        }
    }
}
