package dev.aviary.notify.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aviary.notify.ChannelSecrets;
import dev.aviary.notify.HttpDelivery;
import dev.aviary.notify.Outbox;
import dev.aviary.rollout.RolloutEvent;
import dev.aviary.policy.NotifySpec;
import dev.aviary.secrets.SecretValues;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Posts decisions as CloudEvents (structured JSON) to the policy's webhooks, signed with HMAC-SHA256 over the body
 * when the webhook names a Secret (key {@code hmac-key}, trimmed): header {@value #SIGNATURE_HEADER}: {@code sha256=<hex>}.
 * Messages name a webhook by its place in the policy, never by its URL (which may carry a token).
 */
public final class WebhookChannel implements Outbox.Channel {

    public static final String SIGNATURE_HEADER = "X-Aviary-Signature-256";
    public static final String HMAC_KEY = "hmac-key";

    private final ChannelSecrets secrets;
    private final HttpDelivery http;
    private final ObjectMapper json = new ObjectMapper().findAndRegisterModules();

    public WebhookChannel(ChannelSecrets secrets, HttpDelivery http) {
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
    public List<Outbox.Delivery> deliveries(RolloutEvent e) {
        List<NotifySpec> hooks = e.channels(NotifySpec.Kind.WEBHOOK);
        List<Outbox.Delivery> out = new ArrayList<>();
        for (int i = 0; i < hooks.size(); i++) {
            NotifySpec c = hooks.get(i);
            String destination = "webhook " + (i + 1) + " of policy " + e.policy();
            out.add(new Outbox.Delivery(destination, () -> post(e, c, destination)));
        }
        return out;
    }

    private void post(RolloutEvent e, NotifySpec c, String destination) throws Exception {
        URI url = SecretValues.url(c.url(), "the url of " + destination);
        String body = json.writeValueAsString(cloudEvent(e));
        Map<String, String> headers = c.secretRef() == null ? Map.of()
                : Map.of(SIGNATURE_HEADER, "sha256=" + sign(secrets.key(e.namespace(), c.secretRef(), HMAC_KEY), body));
        http.post(url, "application/cloudevents+json", body, headers, destination);
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
