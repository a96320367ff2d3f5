package dev.aviary.rbac;

import java.util.Arrays;
import java.util.List;

/**
 * One recorded request, as the API server's authorizer sees it: verb (Kubernetes' semantics: GET on an item is get,
 * on a collection list, with watch=true watch; POST create, PUT update, PATCH patch, DELETE delete or
 * deletecollection), API group, resource (with subresource), namespace and name. {@code resource} is null for
 * non-resource paths (discovery such as /api, /apis/group/version), which every authenticated user may read.
 */
public record ApiRequest(ApiRequestRecorder.Origin origin, String method, String path, String frame, String verb, String group,
        String resource, String namespace, String name) {

    /** A line of the recorder's log: origin, method, path with query, calling frame (tab-separated). */
    public static ApiRequest parse(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != 4) throw new IllegalArgumentException("not a recorded request: " + line);
        return of(ApiRequestRecorder.Origin.valueOf(f[0]), f[1], f[2], f[3]);
    }

    public static ApiRequest of(ApiRequestRecorder.Origin origin, String method, String pathAndQuery, String frame) {
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        String query = q < 0 ? "" : pathAndQuery.substring(q + 1);
        boolean watch = Arrays.asList(query.split("&")).stream().anyMatch(p -> p.equals("watch=true") || p.equals("watch=1"));
        List<String> s = Arrays.stream(path.split("/")).filter(p -> !p.isEmpty()).toList();
        String group;
        List<String> rest;
        if (s.size() >= 2 && s.get(0).equals("api")) {
            group = "";
            rest = s.subList(2, s.size());
        } else if (s.size() >= 3 && s.get(0).equals("apis")) {
            group = s.get(1);
            rest = s.subList(3, s.size());
        } else {
            return new ApiRequest(origin, method, pathAndQuery, frame, method.toLowerCase(), null, null, null, null);
        }
        if (rest.isEmpty()) return new ApiRequest(origin, method, pathAndQuery, frame, method.toLowerCase(), group, null, null, null);
        String namespace = null;
        if (rest.get(0).equals("namespaces") && rest.size() >= 3) {
            namespace = rest.get(1);
            rest = rest.subList(2, rest.size());
        } else if (rest.get(0).equals("namespaces") && rest.size() == 2) {
            // the Namespace object itself
            return new ApiRequest(origin, method, pathAndQuery, frame, verb(method, true, watch), group, "namespaces", null, rest.get(1));
        }
        String resource = rest.get(0) + (rest.size() >= 3 ? "/" + rest.get(2) : "");
        String name = rest.size() >= 2 ? rest.get(1) : null;
        return new ApiRequest(origin, method, pathAndQuery, frame, verb(method, name != null, watch), group, resource, namespace, name);
    }

    private static String verb(String method, boolean item, boolean watch) {
        return switch (method) {
            case "GET" -> watch ? "watch" : item ? "get" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> item ? "delete" : "deletecollection";
            default -> method.toLowerCase();
        };
    }

    /** For messages: "patch networking.istio.io/virtualservices default/image-classifier (by IstioRouter.apply)". */
    public String describe() {
        String where = namespace == null ? (name == null ? "(cluster)" : name) : namespace + "/" + (name == null ? "*" : name);
        return verb + " " + (group == null || group.isEmpty() ? "" : group + "/") + resource + " " + where + "  [" + method + " " + path
                + " from " + frame + "]";
    }
}
