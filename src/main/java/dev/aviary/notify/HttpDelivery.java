package dev.aviary.notify;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * POSTs a body and fails on anything but 2xx, so the outbox retries. Takes a URL already checked (see
 * {@link ChannelSecrets}) and never echoes it, nor the client's own messages: the URL may be a secret.
 */
public final class HttpDelivery {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public void post(URI url, String contentType, String body, Map<String, String> headers, String what) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        HttpResponse<Void> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.discarding());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while delivering to " + what);
        } catch (IOException e) {
            throw new IOException(what + " did not answer (" + e.getClass().getSimpleName() + ")");
        }
        if (r.statusCode() / 100 != 2) throw new IOException(what + " answered HTTP " + r.statusCode());
    }
}
