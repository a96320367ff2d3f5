package dev.aviary.sim.kserve;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Knative-style conditions (knative.dev/pkg/apis Condition) as KServe writes them: sorted by type, a
 * lastTransitionTime that moves only when the status does, a reason only when not True. Not-ready is reported as
 * Unknown: what Knative shows while a revision starts or a route is reprogrammed.
 */
final class Conditions {

    private final Map<String, Map<String, Object>> byType = new TreeMap<>();
    private final Instant now;

    Conditions(List<?> existing, Instant now) {
        this.now = now;
        for (Object o : existing) {
            Map<String, Object> c = Json.map(o);
            if (c.get("type") instanceof String type) byType.put(type, new LinkedHashMap<>(c));
        }
    }

    void set(String type, boolean ready, String reasonWhenNot) {
        set(type, ready ? "True" : "Unknown", ready ? null : reasonWhenNot);
    }

    void set(String type, String status, String reason) {
        Map<String, Object> old = byType.get(type);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("type", type);
        c.put("status", status);
        c.put("lastTransitionTime", old != null && status.equals(old.get("status")) && old.get("lastTransitionTime") != null
                ? old.get("lastTransitionTime") : now.truncatedTo(ChronoUnit.SECONDS).toString());
        if (reason != null) c.put("reason", reason);
        if (old != null && old.get("severity") != null) c.put("severity", old.get("severity"));
        byType.put(type, c);
    }

    void clear(String type) {
        byType.remove(type);
    }

    boolean isTrue(String type) {
        return byType.containsKey(type) && "True".equals(byType.get(type).get("status"));
    }

    List<Map<String, Object>> toJson() {
        return new ArrayList<>(byType.values());
    }
}
