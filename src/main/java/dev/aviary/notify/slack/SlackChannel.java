package dev.aviary.notify.slack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aviary.notify.ChannelSecrets;
import dev.aviary.notify.HttpDelivery;
import dev.aviary.notify.Outbox;
import dev.aviary.rollout.RolloutEvent;
import dev.aviary.policy.NotifySpec;
import dev.aviary.rollout.CheckRecord;
import java.util.List;
import java.util.Map;

/**
 * Posts decisions to Slack incoming webhooks named by the policy ({@code slack: {secretRef: ...}}; the Secret's
 * key {@code url} holds the webhook URL), as Block Kit: what happened, step and weights, the checks with their
 * numbers, and a link to the status page. The URL is read from the Secret at each delivery (a rotated Secret is
 * picked up) and never shown: errors name the Secret.
 */
public final class SlackChannel implements Outbox.Channel {

    public static final String URL_KEY = "url";

    private final ChannelSecrets secrets;
    private final HttpDelivery http;
    private final String statusUrl;
    private final ObjectMapper json = new ObjectMapper();

    public SlackChannel(ChannelSecrets secrets, HttpDelivery http, String statusUrl) {
        this.secrets = secrets;
        this.http = http;
        this.statusUrl = statusUrl;
    }

    @Override
    public String name() {
        return "slack";
    }

    @Override
    public boolean wants(RolloutEvent e) {
        return e.noteworthy() && !e.channels(NotifySpec.Kind.SLACK).isEmpty();
    }

    @Override
    public List<Outbox.Delivery> deliveries(RolloutEvent e) {
        return e.channels(NotifySpec.Kind.SLACK).stream().map(c -> {
            String destination = "Slack webhook from Secret " + e.namespace() + "/" + c.secretRef();
            return new Outbox.Delivery(destination, () -> http.post(secrets.url(e.namespace(), c.secretRef(), URL_KEY), "application/json",
                    json.writeValueAsString(message(e)), Map.of(), destination));
        }).toList();
    }

    ObjectNode message(RolloutEvent e) {
        ObjectNode root = json.createObjectNode();
        root.put("text", e.headline());
        ArrayNode blocks = root.putArray("blocks");
        ObjectNode header = blocks.addObject().put("type", "header");
        header.putObject("text").put("type", "plain_text").put("text", emoji(e) + " " + e.decision() + ": " + e.policy());
        section(blocks, "*Target* " + e.target() + "   *Phase* " + e.phase() + "   *Step* " + e.step() + "/" + e.steps()
                + "   *Weights* " + e.weights() + " (baseline/canary)\n" + e.message());
        if (!e.checks().isEmpty()) {
            StringBuilder s = new StringBuilder();
            for (CheckRecord c : e.checks()) s.append("• *").append(c.check()).append("* ").append(c.outcome()).append(": ").append(c.message()).append('\n');
            section(blocks, s.toString());
        }
        if (statusUrl != null && !statusUrl.isBlank()) {
            ObjectNode context = blocks.addObject().put("type", "context");
            context.putArray("elements").addObject().put("type", "mrkdwn").put("text", "<" + statusUrl + "|Aviary status page>");
        }
        return root;
    }

    private static void section(ArrayNode blocks, String mrkdwn) {
        blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn").put("text", mrkdwn);
    }

    private static String emoji(RolloutEvent e) {
        return switch (e.decision()) {
            case ROLLBACK -> ":rotating_light:";
            case PAUSE -> ":double_vertical_bar:";
            case PROMOTE -> ":white_check_mark:";
            default -> ":arrow_forward:";
        };
    }
}
