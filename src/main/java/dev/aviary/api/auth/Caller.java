package dev.aviary.api.auth;

import java.util.List;
import java.util.Map;

/** Who asked, as the Kubernetes API authenticated them; passed on whole to the access review. */
public record Caller(String user, String uid, List<String> groups, Map<String, List<String>> extra) {

    public Caller {
        groups = groups == null ? List.of() : List.copyOf(groups);
        extra = extra == null ? Map.of() : Map.copyOf(extra);
    }
}
