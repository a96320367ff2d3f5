package dev.aviary.notify.kubernetes;

import dev.aviary.notify.SecretReader;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Reads notification secrets from Kubernetes Secrets in the policy's namespace, as stored (callers trim and check). */
public final class KubernetesSecrets implements SecretReader {

    private final KubernetesClient client;

    public KubernetesSecrets(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public String read(String namespace, String secret, String key) {
        Secret s = client.secrets().inNamespace(namespace).withName(secret).get();
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
