package dev.aviary.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The redactor finds a secret in the forms output shows it in, and leaves everything else alone. */
class RedactorTest {

    private static final String TOKEN = "eyJhbGciOi.J9/x+y=\n"; // as `kubectl create secret --from-file` stores it

    @Test
    void aTokenIsRedactedAsReadTrimmedEscapedAndUrlEncoded() throws Exception {
        Redactor r = new Redactor();
        r.register(TOKEN);
        String trimmed = TOKEN.strip();
        assertEquals("invalid header value: \"Bearer <redacted>\"", r.redact("invalid header value: \"Bearer " + TOKEN + "\""));
        assertEquals("token=<redacted>&x=1", r.redact("token=" + trimmed + "&x=1"));
        assertEquals("q=<redacted>", r.redact("q=" + URLEncoder.encode(trimmed, StandardCharsets.UTF_8)));
        String json = new ObjectMapper().writeValueAsString(Map.of("message", "Bearer " + TOKEN));
        assertTrue(json.contains("\\n"), "Jackson escapes the newline: " + json);
        assertFalse(r.redact(json).contains(trimmed), r.redact(json));
        assertTrue(r.redact(json).contains(Redactor.MARK), r.redact(json));
        String data = java.util.Base64.getEncoder().encodeToString(TOKEN.getBytes(StandardCharsets.UTF_8));
        assertEquals("{\"data\":{\"token\":\"<redacted>\"}}", r.redact("{\"data\":{\"token\":\"" + data + "\"}}"), "a Secret as the API sends it");
    }

    @Test
    void aSlackUrlIsRedactedWholeAndItsSecretPathAlone() {
        Redactor r = new Redactor();
        r.register("https://hooks.slack.com/services/T0AAA/B0BBB/xoxbSECRET \n");
        assertEquals("posting to <redacted> failed", r.redact("posting to https://hooks.slack.com/services/T0AAA/B0BBB/xoxbSECRET failed"));
        assertEquals("POST <redacted> HTTP/1.1", r.redact("POST /services/T0AAA/B0BBB/xoxbSECRET HTTP/1.1"));
        assertEquals("host hooks.slack.com is fine", r.redact("host hooks.slack.com is fine"));
    }

    @Test
    void aBrokenUrlStillHasItsPathRedacted() {
        Redactor r = new Redactor();
        r.register("https://hooks.slack.com/services/T0/B0/broken secret");
        assertEquals("path <redacted>", r.redact("path /services/T0/B0/broken secret"));
        assertEquals("encoded <redacted>", r.redact("encoded https%3A%2F%2Fhooks.slack.com%2Fservices%2FT0%2FB0%2Fbroken+secret"));
    }

    @Test
    void credentialsInAUrlAreRedacted() {
        Redactor r = new Redactor();
        r.register("https://admin:hunter22@prometheus:9090/");
        assertEquals("password <redacted>", r.redact("password hunter22"));
    }

    @Test
    void theLongerSecretIsReplacedWholeBeforeAShorterOneInsideIt() {
        Redactor r = new Redactor();
        r.register("abcd");
        r.register("abcdefgh");
        assertEquals("x <redacted> y <redacted> z", r.redact("x abcdefgh y abcd z"));
    }

    @Test
    void tinyValuesAndUnknownTextAreLeftAlone() {
        Redactor r = new Redactor();
        assertTrue(r.isEmpty());
        r.register("abc");
        r.register("");
        r.register(null);
        assertTrue(r.isEmpty(), "a 3-character value would garble every line and protect nothing");
        assertEquals("abc abc", r.redact("abc abc"));
        assertNull(r.redact(null));
        r.register("s3cr3t-key");
        assertFalse(r.isEmpty());
        assertEquals("nothing to see", r.redact("nothing to see"));
        assertTrue(r.reveals("a s3cr3t-key b"));
        assertFalse(r.reveals("a s3cr3t b"));
    }

    @Test
    void registeringTwiceChangesNothing() {
        Redactor r = new Redactor();
        r.register("s3cr3t-key");
        r.register("s3cr3t-key");
        assertEquals("<redacted>", r.redact("s3cr3t-key"));
    }
}
