package dev.aviary.cli.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Rollouts through Aviary's REST API: {@code GET /api/rollouts}, and the controls as
 * {@code POST /api/rollouts/{ns}/{name}/{action}} with a Kubernetes bearer token, which the API checks with the
 * cluster (TokenReview, SubjectAccessReview). The token goes in the Authorization header and nowhere else.
 */
public final class ApiRollouts implements Rollouts {

    /** The API's base URL, without a trailing slash. */
    private final String base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    /** @param token the bearer token for controls, or null (reading needs none) */
    ApiRollouts(URI base, String token) {
        this.base = base.toString().replaceAll("/+$", "");
        this.token = token == null || token.isBlank() ? null : token.strip();
    }

    @Override
    public List<JsonNode> list(String namespace) {
        JsonNode all = ok(send(get("/api/rollouts")), "list rollouts");
        List<JsonNode> out = new ArrayList<>();
        all.forEach(r -> {
            if (namespace == null || namespace.equals(r.path("namespace").asText())) out.add(r);
        });
        return out;
    }

    @Override
    public JsonNode get(RolloutRef rollout) {
        Answer a = send(get("/api/rollouts/" + rollout.namespace() + "/" + rollout.name()));
        if (a.status() == 404) throw Failure.failed("no rollout " + rollout + " at " + base + " (aviary status --server " + base + " lists them)");
        return ok(a, "get " + rollout);
    }

    @Override
    public String request(RolloutRef rollout, String action) {
        if (token == null) {
            throw Failure.failed("a control through Aviary's API needs a Kubernetes bearer token allowed to patch " + rollout
                    + ": give --token or set AVIARY_TOKEN (e.g. from kubectl create token)");
        }
        HttpRequest post = request("/api/rollouts/" + rollout.namespace() + "/" + rollout.name() + "/" + action)
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build();
        Answer a = send(post);
        String error = a.body().path("error").asText(null);
        return switch (a.status()) {
            case 200, 202 -> "requested " + action + " on " + rollout + " as " + a.body().path("requestedBy").asText("?")
                    + "; Aviary acts on its next tick";
            case 401 -> throw Failure.failed("Aviary's API at " + base + " did not accept the token (401)"
                    + (error == null ? "" : ": " + error) + "; give a valid Kubernetes token with --token or AVIARY_TOKEN");
            case 403 -> throw Failure.failed("Aviary's API at " + base + " refused (403): " + (error == null ? "not allowed" : error));
            case 404 -> throw Failure.failed(error != null ? error : "no rollout " + rollout + " at " + base);
            case 409 -> throw Failure.failed(error != null ? error : rollout + " has another request pending; try again");
            case 503 -> throw Failure.failed("Aviary's API at " + base + " could not ask the cluster who you are (503)"
                    + (error == null ? "" : ": " + error));
            default -> throw Failure.failed("Aviary's API at " + base + " answered " + a.status() + " to " + action + " " + rollout
                    + (error == null ? "" : ": " + error));
        };
    }

    @Override
    public String defaultNamespace() {
        return null;
    }

    @Override
    public void close() {
        // the JDK client holds no connection a one-shot command must release
    }

    private record Answer(int status, JsonNode body) {}

    private HttpRequest get(String path) {
        return request(path).GET().build();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(15)).header("Accept", "application/json");
    }

    private Answer send(HttpRequest request) {
        HttpResponse<String> r;
        try {
            r = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw Failure.failed("cannot reach Aviary's API at " + base + ": " + Reachability.cause(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failure.failed("interrupted while asking Aviary's API at " + base);
        }
        JsonNode body;
        try {
            body = r.body().isBlank() ? json.missingNode() : json.readTree(r.body());
        } catch (IOException e) {
            body = json.missingNode(); // an HTML error page or a proxy's text: the status code says enough
        }
        return new Answer(r.statusCode(), body);
    }

    private JsonNode ok(Answer a, String what) {
        if (a.status() == 200 && !a.body().isMissingNode()) return a.body();
        throw Failure.failed("Aviary's API at " + base + " answered " + a.status() + " to " + what
                + (a.status() == 200 ? " with no JSON: is --server Aviary's address?" : ""));
    }
}
