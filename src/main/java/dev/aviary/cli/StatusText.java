package dev.aviary.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** How {@code aviary status} prints rollouts (as the status API shows them) for a person. */
final class StatusText {

    static final List<String> COLUMNS = List.of("NAMESPACE", "NAME", "TARGET", "PHASE", "STEP", "CANARY", "LAST-DECISION", "MESSAGE");

    private StatusText() {
    }

    /** One row per rollout under a header, columns as wide as their widest cell, the message last and whole. */
    static String table(List<JsonNode> rollouts) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(COLUMNS);
        for (JsonNode r : rollouts) {
            rows.add(List.of(text(r, "namespace"), text(r, "name"), text(r, "target"), text(r, "phase"), text(r, "step"),
                    r.path("canaryWeight").asInt() + "%", text(r, "lastDecision"), oneLine(text(r, "message"))));
        }
        int[] width = new int[COLUMNS.size()];
        rows.forEach(row -> {
            for (int i = 0; i < row.size(); i++) width[i] = Math.max(width[i], row.get(i).length());
        });
        StringBuilder sb = new StringBuilder();
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                line.append(i == row.size() - 1 ? row.get(i) : String.format("%-" + (width[i] + 2) + "s", row.get(i)));
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    /** One rollout: where it stands, every check's last verdict with its numbers, and the recent decisions. */
    static String detail(JsonNode r) {
        StringBuilder sb = new StringBuilder();
        sb.append("Rollout:  ").append(text(r, "namespace")).append('/').append(text(r, "name")).append('\n');
        sb.append("Target:   ").append(text(r, "target")).append('\n');
        sb.append("Phase:    ").append(text(r, "phase")).append(", step ").append(text(r, "step")).append(", canary ")
                .append(r.path("canaryWeight").asInt()).append('%');
        if (!r.path("stepStartedAt").isNull() && r.has("stepStartedAt")) sb.append(" (step since ").append(text(r, "stepStartedAt")).append(')');
        sb.append('\n');
        sb.append("Decision: ").append(text(r, "lastDecision")).append(": ").append(oneLine(text(r, "message"))).append('\n');
        sb.append("Checks:").append(r.path("checks").isEmpty() ? " none judged yet" : "").append('\n');
        for (JsonNode c : r.path("checks")) {
            sb.append(String.format("  %-14s %-13s %s%s%n", text(c, "check"), text(c, "outcome"), oneLine(text(c, "message")),
                    c.path("anytimeValid").asBoolean(true) ? "" : " (fixed-horizon test: not valid under continuous looks)"));
            String numbers = numbers(c.path("evidence"));
            if (!numbers.isEmpty()) sb.append(String.format("  %-14s %-13s %s%n", "", "", numbers));
        }
        sb.append("History (newest last):").append(r.path("history").isEmpty() ? " none" : "").append('\n');
        for (JsonNode h : r.path("history")) {
            // history entries carry the step as people count it (from 1), as the status's step does
            sb.append(String.format("  %-24s %-9s step %-3d %4s  %s%n", text(h, "at"), text(h, "decision"), h.path("stepNumber").asInt(),
                    h.path("canaryWeight").asInt() + "%", oneLine(text(h, "message"))));
        }
        return sb.toString().stripTrailing();
    }

    /** The evidence's numbers that apply: counts per arm, the estimate with its bounds, the e-value or p-value. */
    static String numbers(JsonNode e) {
        List<String> parts = new ArrayList<>();
        if (e.hasNonNull("baselineTotal") && e.hasNonNull("canaryTotal")) {
            parts.add("baseline " + e.path("baselineBad").asLong() + "/" + e.path("baselineTotal").asLong() + ", canary "
                    + e.path("canaryBad").asLong() + "/" + e.path("canaryTotal").asLong() + " bad");
        }
        if (e.hasNonNull("estimate")) {
            parts.add("estimate " + number(e.path("estimate")) + (e.hasNonNull("lower") || e.hasNonNull("upper")
                    ? " [" + number(e.path("lower")) + ", " + number(e.path("upper")) + "]" : ""));
        }
        if (e.hasNonNull("eValue")) parts.add("e-value " + number(e.path("eValue")));
        if (e.hasNonNull("pValue")) parts.add("p-value " + number(e.path("pValue")));
        return String.join(" · ", parts);
    }

    private static String number(JsonNode n) {
        return n.isNull() || n.isMissingNode() ? "-" : String.format(java.util.Locale.ROOT, "%.4g", n.asDouble());
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isMissingNode() || v.isNull() || v.asText().isEmpty() ? "-" : v.asText();
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*\\R\\s*", " ");
    }
}
