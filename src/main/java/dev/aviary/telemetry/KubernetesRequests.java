package dev.aviary.telemetry;

import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Counts every request of the application's Kubernetes client by verb, resource and status code, as the API server
 * answered it (fabric8 calls {@link #after} for every answer, {@link #afterConnectionFailure} when there was none).
 * The resource is the kind's plural from the URL, never an object's name or namespace, so the labels stay bounded.
 */
public final class KubernetesRequests implements Interceptor {

    public static final String NAME = "aviary-telemetry";
    private static final Pattern RESOURCE = Pattern.compile("[a-z0-9.-]{1,63}(/[a-z0-9-]{1,63})?");

    private final Telemetry telemetry;

    public KubernetesRequests(Telemetry telemetry) {
        this.telemetry = telemetry;
    }

    /** Called on the sending thread (fabric8 runs the interceptors' before as it sends; a retry is sent elsewhere). */
    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
        Call call = Call.of(request.method(), request.uri());
        telemetry.kubernetesRequestSending(call.verb(), call.resource());
    }

    @Override
    public void after(HttpRequest request, HttpResponse<?> response, AsyncBody.Consumer<List<ByteBuffer>> consumer) {
        count(request, String.valueOf(response.code()));
    }

    @Override
    public void afterConnectionFailure(HttpRequest request, Throwable failure) {
        count(request, "none");
    }

    private void count(HttpRequest request, String code) {
        Call call = Call.of(request.method(), request.uri());
        telemetry.kubernetesRequest(call.verb(), call.resource(), code);
    }

    /** A request as Kubernetes' RBAC would name it: a verb on a resource (with its subresource). */
    record Call(String verb, String resource) {

        static Call of(String method, URI uri) {
            List<String> path = Arrays.stream(uri.getRawPath().split("/")).filter(s -> !s.isEmpty()).toList();
            int start = path.isEmpty() ? -1 : switch (path.get(0)) {
                case "api" -> 2;     // /api/v1/...
                case "apis" -> 3;    // /apis/group/version/...
                default -> -1;
            };
            if (start < 0 || path.size() <= start) return new Call(method.toLowerCase(Locale.ROOT), "discovery");
            List<String> rest = path.subList(start, path.size());
            if (rest.get(0).equals("namespaces") && rest.size() >= 3) rest = rest.subList(2, rest.size());
            String resource = rest.get(0) + (rest.size() >= 3 ? "/" + rest.get(2) : "");
            if (!RESOURCE.matcher(resource).matches()) resource = "other";
            return new Call(verb(method, rest.size() >= 2, uri.getRawQuery()), resource);
        }

        private static String verb(String method, boolean named, String query) {
            return switch (method.toUpperCase(Locale.ROOT)) {
                case "GET" -> named ? "get" : query != null && query.contains("watch=true") ? "watch" : "list";
                case "POST" -> "create";
                case "PUT" -> "update";
                case "PATCH" -> "patch";
                case "DELETE" -> named ? "delete" : "deletecollection";
                default -> "other";
            };
        }
    }
}
