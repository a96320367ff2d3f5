package dev.aviary.shadow;

import dev.aviary.policy.Durations;
import dev.aviary.traffic.ArmEndpoints;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One replayed request to one arm over HTTP, and what came of it. Every way a request can go wrong (timeout, refused
 * connection, a non-2xx status, an answer the protocol cannot read) becomes an {@link ArmAnswer.Failed} with a one-line
 * reason; the future never completes exceptionally.
 */
final class ArmCall {

    private final HttpClient http;
    private final PredictionProtocol protocol;
    private final ProtocolSpec spec;
    private final Duration timeout;

    ArmCall(HttpClient http, PredictionProtocol protocol, ProtocolSpec spec, Duration timeout) {
        this.http = http;
        this.protocol = protocol;
        this.spec = spec;
        this.timeout = timeout;
    }

    /** The request for {@code payload} to {@code arm}; the protocol refuses a payload it cannot send. */
    PredictionProtocol.HttpCall request(ArmEndpoints.Endpoint arm, Payload payload) throws ReplayException.BadPayload {
        return protocol.request(arm.url(), payload, spec);
    }

    CompletableFuture<ArmAnswer> send(ArmEndpoints.Endpoint arm, PredictionProtocol.HttpCall call) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(call.uri()).timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(call.body()));
            arm.headers().forEach(request::header);
            return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
                    .handle((response, error) -> error != null ? new ArmAnswer.Failed(reason(error, call.uri())) : read(arm, response));
        } catch (RuntimeException e) {
            // a header or URI the JDK refuses: a failure of this arm like any other, never an exception in the loop
            return CompletableFuture.completedFuture(new ArmAnswer.Failed("cannot send the request: " + Urls.redact(String.valueOf(e.getMessage()))));
        }
    }

    private ArmAnswer read(ArmEndpoints.Endpoint arm, HttpResponse<String> response) {
        int status = response.statusCode();
        if (status < 200 || status > 299) return new ArmAnswer.Failed("HTTP " + status);
        for (Map.Entry<String, String> h : arm.answerHeaders().entrySet()) {
            // without the pin's mark the answer may come from either arm: it must not count as this arm's
            if (!response.headers().allValues(h.getKey()).contains(h.getValue())) {
                return new ArmAnswer.Failed("the answer did not come through the arm's pin (no " + h.getKey() + ": " + h.getValue()
                        + "); is Aviary's pod in the mesh and the VirtualService bound to it?");
            }
        }
        try {
            List<Prediction> predictions = protocol.predictions(response.body(), spec);
            if (predictions.isEmpty()) return new ArmAnswer.Failed("the answer holds no prediction");
            return new ArmAnswer.Answered(predictions);
        } catch (ReplayException.Malformed e) {
            return new ArmAnswer.Failed(Urls.redact(e.getMessage()));
        } catch (RuntimeException e) {
            return new ArmAnswer.Failed("the " + protocol.name() + " protocol could not read the answer (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** One line for a request that got no answer. */
    String reason(Throwable error, URI uri) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (e instanceof HttpConnectTimeoutException) return "could not connect within " + Durations.format(timeout);
        if (e instanceof HttpTimeoutException) return "timed out after " + Durations.format(timeout);
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        if (e instanceof ConnectException || root instanceof ConnectException) {
            return root instanceof UnresolvedAddressException || e.getCause() instanceof UnresolvedAddressException
                    ? "unknown host " + uri.getHost() : "connection refused";
        }
        if (root instanceof UnresolvedAddressException || root instanceof UnknownHostException) return "unknown host " + uri.getHost();
        String message = e.getMessage() == null ? "" : ": " + Urls.redact(e.getMessage().lines().findFirst().orElse(""));
        return (e instanceof IOException ? "I/O error (" : "request failed (") + e.getClass().getSimpleName() + message + ")";
    }
}
