package dev.aviary.notify.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Notification secrets come from the policy's own namespace only, against the mock API server in CRUD mode. The
 * Secrets live in "payments", the namespace k8s/rbac-secrets.yaml grants as its example.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesSecretsTest {

    static KubernetesClient client;
    static KubernetesMockServer server;

    @Test
    void readsTheKeyOfASecretInThePolicysNamespaceAsStored() {
        client.secrets().inNamespace("payments").resource(new SecretBuilder().withNewMetadata().withName("slack-ml").endMetadata()
                .withData(Map.of("url", Base64.getEncoder().encodeToString("https://hooks.slack.com/services/T0/B0/x\n"
                        .getBytes(StandardCharsets.UTF_8)))).build()).create();
        // as stored, trailing newline included: the channels trim and check it (ChannelSecrets), and register it for redaction
        assertEquals("https://hooks.slack.com/services/T0/B0/x\n", new KubernetesSecrets(client).read("payments", "slack-ml", "url"));
    }

    @Test
    void aReferenceIntoAnotherNamespaceIsRefusedBeforeAnythingIsRead() {
        client.secrets().inNamespace("search").resource(new SecretBuilder().withNewMetadata().withName("slack-ml").endMetadata()
                .withStringData(Map.of("url", "https://hooks.slack.com/services/T9/B9/other-team")).build()).create();
        KubernetesSecrets secrets = new KubernetesSecrets(client);
        for (String ref : new String[] {"search/slack-ml", "../search/secrets/slack-ml", "../../namespaces/search/secrets/slack-ml"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> secrets.read("payments", ref, "url"));
            assertTrue(e.getMessage().contains("a policy may only use Secrets in its own namespace: copy the Secret into payments"),
                    e.getMessage());
            assertTrue(!e.getMessage().contains("other-team"), e.getMessage());
        }
    }

    @Test
    void aNamespaceAviaryMayNotReadSaysWhichGrantIsMissing() {
        // as when the operator has not applied k8s/rbac-secrets.yaml for this namespace: the API server answers 403
        server.expect().get().withPath("/api/v1/namespaces/payments/secrets/hook-hmac")
                .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden").withMessage("secrets \"hook-hmac\" is forbidden")
                        .build()).once();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new KubernetesSecrets(client).read("payments", "hook-hmac", "hmac-key"));
        assertEquals("Aviary may not read Secrets in namespace payments (Secret hook-hmac): an operator grants it per namespace with"
                + " a Role and RoleBinding (k8s/rbac-secrets.yaml)", e.getMessage());
    }
}
