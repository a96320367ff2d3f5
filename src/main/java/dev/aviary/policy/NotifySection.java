package dev.aviary.policy;

import dev.aviary.policy.YamlNode.Scalar;

import java.util.ArrayList;
import java.util.List;

/** Validates {@code spec.notify}: Slack through a Secret, webhooks by URL with an optional signing Secret. */
final class NotifySection {

    private final PolicyNode spec;

    NotifySection(PolicyNode spec) {
        this.spec = spec;
    }

    List<NotifySpec> read() {
        List<PolicyNode> items = spec.list("notify", false);
        if (items == null) return List.of();
        List<NotifySpec> out = new ArrayList<>();
        for (PolicyNode item : items) {
            item.checkKnown(PolicyFields.NOTIFY);
            boolean slack = item.has("slack");
            boolean webhook = item.has("webhook");
            if (slack && webhook) {
                spec.problem(item.keyPos("webhook"), item.path, "a notify entry is either slack or webhook; make two entries");
                continue;
            }
            if (!slack && !webhook) {
                if (item.map.entries().isEmpty() || item.map.entries().keySet().stream().allMatch(PolicyFields.NOTIFY::contains)) {
                    spec.problem(item.anchor, item.path, "a notify entry needs slack: {secretRef: ...} or webhook: {url: ...}");
                }
                continue;
            }
            if (slack) {
                YamlNode node = item.get("slack");
                if (node instanceof Scalar s && !s.isNull()) {
                    spec.problem(s.pos(), item.path("slack"), "put the Slack URL in a Secret and name it with secretRef: "
                            + "slack: {secretRef: my-slack-secret}");
                    continue;
                }
                PolicyNode sl = item.obj("slack", true);
                if (sl == null) continue;
                if (sl.has("url")) {
                    spec.problem(sl.pos("url"), sl.path("url"), "put the Slack URL in a Secret and name it with secretRef");
                }
                sl.checkKnown(PolicyFields.SLACK, "url");
                String ref = sl.text("secretRef", !sl.has("url"));
                if (ref != null && sl.check("secretRef", Names.OBJECT.check("secretRef", ref))) ref = null;
                if (ref != null && !sl.has("url")) out.add(new NotifySpec(NotifySpec.Kind.SLACK, null, ref));
            } else {
                PolicyNode wh = item.obj("webhook", true);
                if (wh == null) continue;
                wh.checkKnown(PolicyFields.WEBHOOK);
                String url = wh.text("url", true);
                boolean ok = url != null && !wh.check("url", WebhookUrls.problem(url).map(wrong -> "url " + wrong));
                String ref = wh.text("secretRef", false);
                if (ref != null && wh.check("secretRef", Names.OBJECT.check("secretRef", ref))) ok = false;
                if (ok) out.add(new NotifySpec(NotifySpec.Kind.WEBHOOK, url, ref));
            }
        }
        return out;
    }
}
