package dev.aviary.traffic.istio;

import dev.aviary.traffic.JsonPatch;
import dev.aviary.traffic.Json;
import dev.aviary.policy.Step;
import dev.aviary.traffic.TargetException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The header route Aviary inserts right above the managed route for a header step: built from the managed route,
 * recognised again by its name, and read back as the one header condition it adds. Pure: works on the JSON maps.
 */
final class HeaderRoute {

    /** Fields of the managed route a header route does not copy: its identity, its match, its destinations, mirrors. */
    private static final Set<String> NOT_COPIED =
            Set.of("name", "match", "route", "mirror", "mirrorPercentage", "mirrorPercent", "mirror_percent", "mirrors");

    private HeaderRoute() {}

    /** Insert, move or remove the header route so that it matches {@code header} (null: no header route). */
    static void edit(List<Object> http, Step.HeaderMatch header, ManagedRoute m, JsonPatch patch)
            throws TargetException.Invalid {
        int existing = indexOf(http, m.headerRouteName());
        if (header == null) {
            if (existing >= 0) patch.removeAt(http, "/spec/http", existing);
            return;
        }
        Map<String, Object> wanted = build(m, header);
        int managed = m.index();
        // in place means right above the managed route; a managed route at index 0 has nothing above it
        if (existing >= 0 && existing == managed - 1 && JsonPatch.jsonEquals(http.get(existing), wanted)) return;
        if (existing >= 0) {
            patch.removeAt(http, "/spec/http", existing);
            if (existing < managed) managed--;
        }
        patch.insert(http, "/spec/http", managed, wanted);
    }

    /** The header route: the managed route narrowed by the step's header, to the canary destination alone. */
    private static Map<String, Object> build(ManagedRoute m, Step.HeaderMatch header)
            throws TargetException.Invalid {
        String name = header.header();
        if (name == null || name.isEmpty() || !name.equals(name.toLowerCase(Locale.ROOT))) {
            // Istio rejects upper-case header keys in a match; lower-casing silently would make the live header
            // differ from the policy's and look like a human edit.
            throw new TargetException.Invalid("header '" + name + "' of the header step must be lower-case for Istio");
        }
        if (header.type() == null || header.value() == null) {
            throw new TargetException.Invalid("the header step on '" + name + "' needs a value to match:"
                    + " exact, prefix or regex");
        }
        Map<String, Object> stringMatch = new LinkedHashMap<>();
        stringMatch.put(header.type().name().toLowerCase(Locale.ROOT), header.value());
        return narrowed(m, m.headerRouteName(), name, stringMatch, m.canary());
    }

    /**
     * A route named {@code routeName}: the managed route's conditions each narrowed by {@code header} matching
     * {@code stringMatch}, to the destination at {@code destination} alone, with the managed route's other behaviour
     * (timeout, retries, rewrite, headers, CORS, fault) so the requests it takes are served the way the weighted
     * route would serve them. Shared by the header step's route and the arm pins.
     */
    static Map<String, Object> narrowed(ManagedRoute m, String routeName, String header, Map<String, Object> stringMatch,
            int destination) throws TargetException.Invalid {
        List<Object> match = new ArrayList<>();
        Object ownMatch = m.route().get("match");
        List<Object> own = Json.list(ownMatch);
        if (ownMatch != null && own == null) {
            throw new TargetException.Invalid(m.where() + " has a 'match' that is not a list; write it as a list"
                    + " of conditions: match: [{uri: {prefix: /v1/models}}]");
        }
        if (own == null || own.isEmpty()) {
            Map<String, Object> headers = new LinkedHashMap<>();
            headers.put(header, stringMatch);
            Map<String, Object> condition = new LinkedHashMap<>();
            condition.put("headers", headers);
            match.add(condition);
        } else {
            for (int i = 0; i < own.size(); i++) {
                Map<String, Object> condition = Json.map(Json.deepCopy(own.get(i)));
                if (condition == null || condition.get("headers") != null && Json.map(condition, "headers") == null) {
                    throw new TargetException.Invalid(m.where() + " has a match condition #" + i + " that is not an"
                            + " object of fields (headers, uri, ...): " + Json.oneLine(own.get(i)) + "; fix the route's match");
                }
                Map<String, Object> headers = Json.map(condition, "headers");
                if (headers == null) {
                    headers = new LinkedHashMap<>();
                    condition.put("headers", headers);
                }
                if (headers.containsKey(header)) {
                    throw new TargetException.Invalid(m.where()
                            + " already matches on header '" + header + "'; a route narrowed by it would take all or none"
                            + " of that route's traffic, so pick another header");
                }
                headers.put(header, Json.deepCopy(stringMatch));
                match.add(condition);
            }
        }
        Map<String, Object> route = new LinkedHashMap<>();
        route.put("name", routeName);
        route.put("match", match);
        m.route().forEach((k, v) -> {
            if (!NOT_COPIED.contains(k)) route.put(k, Json.deepCopy(v));
        });
        Map<String, Object> only = Json.deepCopyMap(m.destinationEntry(destination));
        only.remove("weight"); // a single destination takes all traffic
        List<Object> destinations = new ArrayList<>();
        destinations.add(only);
        route.put("route", destinations);
        return route;
    }

    /** The header route as it stands, read back as the one header condition it adds; null when there is none. */
    static Step.HeaderMatch live(List<Object> http, ManagedRoute m) throws TargetException.Invalid {
        int index = indexOf(http, m.headerRouteName());
        if (index < 0) return null;
        Map<String, Object> headers = Json.map(firstCondition(Json.map(http.get(index))), "headers");
        Map<String, Object> own = Json.map(firstCondition(m.route()), "headers");
        List<Map.Entry<String, Object>> added = new ArrayList<>();
        if (headers != null) {
            for (Map.Entry<String, Object> e : headers.entrySet()) {
                if (own == null || !JsonPatch.jsonEquals(own.get(e.getKey()), e.getValue())) added.add(e);
            }
        }
        Step.HeaderMatch parsed = added.size() == 1 ? headerMatch(added.get(0)) : null;
        if (parsed == null) {
            throw new TargetException.Invalid("the header route '" + m.headerRouteName() + "' of VirtualService " + m.vsKey()
                    + " was changed by hand and no longer reads as one header condition on top of "
                    + m.describe() + "; delete it and Aviary will insert it again");
        }
        return parsed;
    }

    private static Map<String, Object> firstCondition(Map<String, Object> route) {
        List<Object> match = Json.list(route, "match");
        return match == null || match.isEmpty() ? null : Json.map(match.get(0));
    }

    private static Step.HeaderMatch headerMatch(Map.Entry<String, Object> e) {
        Map<String, Object> sm = Json.map(e.getValue());
        if (sm == null || sm.size() != 1) return null;
        for (Step.HeaderMatch.MatchType type : Step.HeaderMatch.MatchType.values()) {
            String value = Json.string(sm, type.name().toLowerCase(Locale.ROOT));
            if (value != null) return new Step.HeaderMatch(e.getKey(), type, value);
        }
        return null;
    }

    static int indexOf(List<Object> http, String name) {
        for (int i = 0; i < http.size(); i++) {
            if (name.equals(Json.string(Json.map(http.get(i)), "name"))) return i;
        }
        return -1;
    }
}
