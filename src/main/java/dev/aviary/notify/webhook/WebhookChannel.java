package dev.aviary.notify.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aviary.notify.HttpDelivery;
import dev.aviary.notify.Outbox;
import dev.aviary.rollout.RolloutEvent;
import dev.aviary.notify.SecretReader;
import dev.aviary.policy.NotifySpec;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Posts decisions as CloudEvents (structured JSON) to the policy's webhooks, signed with HMAC-SHA256 over the body
 * when the webhook names a Secret (key {@code hmac-key}): header {@value #SIGNATURE_HEADER}: {@code sha256=<hex>}.
 */
public final class WebhookChannel implements Outbox.Channel {

    public static final String SIGNATURE_HEADER = "X-Aviary-Signature-256";
    public static final String HMAC_KEY = "hmac-key";

    private final SecretReader secrets;
    private final HttpDelivery http;
    private final ObjectMapper json = new ObjectMapper().findAndRegisterModules();

    public WebhookChannel(SecretReader secrets, HttpDelivery http) {
        this.secrets = secrets;
        this.http = http;
    }

    @Override
    public String name() {
        return "webhook";
    }

    @Override
    public boolean wants(RolloutEvent e) {
        return e.noteworthy() && !e.channels(NotifySpec.Kind.WEBHOOK).isEmpty();
    }

    @Override
    public void deliver(RolloutEvent e) throws Exception {
        String body = json.writeValueAsString(cloudEvent(e));
        for (NotifySpec c : e.channels(NotifySpec.Kind.WEBHOOK)) {
            Map<String, String> headers = c.secretRef() == null ? Map.of()
                    : Map.of(SIGNATURE_HEADER, "sha256=" + sign(secrets.read(e.namespace(), c.secretRef(), HMAC_KEY), body));
            http.post(c.url(), "application/cloudevents+json", body, headers, "webhook of " + e.policy());
        }
    }

    ObjectNode cloudEvent(RolloutEvent e) {
        ObjectNode ce = json.createObjectNode();
        ce.put("specversion", "1.0");
        ce.put("type", "dev.aviary.rollout." + e.decision().name().toLowerCase(Locale.ROOT));
        ce.put("source", "/aviary/" + e.policy());
        ce.put("id", UUID.randomUUID().toString());
        ce.put("time", e.at().toString());
        ce.put("subject", e.target());
        ce.put("datacontenttype", "application/json");
        ObjectNode data = json.valueToTree(e);
        data.remove("channels"); // receivers need the decision, not our routing of it
        ce.set("data", data);
        return ce;
    }

    public static String sign(String key, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }
}
