package dev.aviary.shadow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** What Aviary prints of a URL keeps no password and no query string. */
class UrlsTest {

    @Test
    void printableDropsUserinfoQueryAndFragment() {
        assertEquals("http://fraud-classifier-predictor.payments.svc.cluster.local:8080/v1/models/fraud:predict",
                Urls.printable(URI.create("http://svc:hunter2@fraud-classifier-predictor.payments.svc.cluster.local:8080"
                        + "/v1/models/fraud:predict?api_key=abc123#frag")));
        assertEquals("https://models.example.com", Urls.printable(URI.create("https://models.example.com")));
    }

    @Test
    void redactRewritesEveryUrlInAMessage() {
        assertEquals("cannot reach http://h:1/p (and https://k/q)",
                Urls.redact("cannot reach http://u:pw@h:1/p?token=t (and https://k/q?sig=s)"));
        assertEquals("no url here", Urls.redact("no url here"));
    }
}
