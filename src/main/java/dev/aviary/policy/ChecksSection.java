package dev.aviary.policy;

import dev.aviary.policy.YamlNode.Pos;
import dev.aviary.policy.YamlNode.Scalar;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Validates {@code spec.checks}: the list itself, what every check shares (known fields, a valid unique name), and
 * hands each check to the {@link CheckReader}, which knows the check types.
 */
final class ChecksSection {

    private final PolicyNode spec;
    private final CheckReader reader;

    ChecksSection(PolicyNode spec, CheckReader reader) {
        this.spec = spec;
        this.reader = reader;
    }

    List<CheckSpec> read(long minRequests, Target target) {
        List<PolicyNode> items = spec.list("checks", true);
        if (items == null) return List.of();
        if (items.isEmpty()) {
            spec.problem(spec.pos("checks"), spec.path("checks"), "checks is empty; without a check Aviary would promote "
                    + "on time alone; add at least one (e.g. preset: istio-error-rate)");
        }
        List<CheckSpec> checks = new ArrayList<>();
        Map<String, Pos> names = new HashMap<>();
        String[] extra = reader.extraFields().toArray(String[]::new);
        for (PolicyNode item : items) {
            CheckSpec check = check(item, minRequests, extra, target);
            if (check != null) checks.add(check);
            String name = item.has("name") && item.get("name") instanceof Scalar s && !s.isNull() ? s.text() : null;
            if (name != null) {
                Pos first = names.putIfAbsent(name, item.pos("name"));
                if (first != null) {
                    spec.problem(item.pos("name"), item.path("name"), "duplicate check name " + OneLine.quote(name)
                            + " (first at line " + first.line() + "); check names must be unique, they name the check "
                            + "in events and metrics");
                }
            }
        }
        return checks;
    }

    private CheckSpec check(PolicyNode c, long minRequests, String[] extra, Target target) {
        c.checkKnown(PolicyFields.CHECK, extra);
        int before = spec.problemCount();
        String name = c.text("name", true);
        if (name != null && c.check("name", Names.CHECK.check("name", name))) name = null;
        CheckSpec check = reader.read(c, name, minRequests);
        if (check != null && target != null && spec.problemCount() == before) reader.checkTarget(c, target);
        return spec.problemCount() > before || name == null ? null : check;
    }
}
