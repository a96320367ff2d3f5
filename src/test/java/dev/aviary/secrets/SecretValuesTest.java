package dev.aviary.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Secrets are trimmed when read; what cannot be used fails in one line naming its origin, never the value. */
class SecretValuesTest {

    private static final String ORIGIN = "Secret payments/slack-ml key 'url'";

    @Test
    void aTokenIsTrimmedOfTheNewlineKubectlKeeps() throws Exception {
        assertEquals("eyJ0.abc-_~+/=", SecretValues.token(" eyJ0.abc-_~+/=\n", "AVIARY_PROMETHEUS_BEARER_TOKEN"));
    }

    @Test
    void aTokenWithWhitespaceOrControlCharactersInsideIsRefused() {
        for (String bad : new String[] {"abc def", "abc\ndef", "abc\u0000def", "abc\tdef", "abcédef"}) {
            SecretException e = assertThrows(SecretException.class, () -> SecretValues.token(bad, "AVIARY_PROMETHEUS_BEARER_TOKEN"));
            assertTrue(e.getMessage().startsWith("AVIARY_PROMETHEUS_BEARER_TOKEN holds "), e.getMessage());
            assertTrue(e.getMessage().contains("character 4 after trimming"), e.getMessage());
            assertFalse(e.getMessage().contains("abc") || e.getMessage().contains("def"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line");
        }
        SecretException empty = assertThrows(SecretException.class, () -> SecretValues.token(" \n", "AVIARY_PROMETHEUS_BEARER_TOKEN"));
        assertEquals("AVIARY_PROMETHEUS_BEARER_TOKEN is empty; store the token in it", empty.getMessage());
    }

    @Test
    void aKeyMayHoldSpacesButNotLineBreaks() throws Exception {
        assertEquals("correct horse battery", SecretValues.key("correct horse battery\n", ORIGIN));
        SecretException e = assertThrows(SecretException.class, () -> SecretValues.key("first\nsecond", ORIGIN));
        assertTrue(e.getMessage().contains("a line break inside the key"), e.getMessage());
        assertFalse(e.getMessage().contains("first") || e.getMessage().contains("second"), e.getMessage());
    }

    @Test
    void aUrlIsTrimmedAndParsed() throws Exception {
        assertEquals("https://hooks.slack.com/services/T0/B0/X", SecretValues.url(" https://hooks.slack.com/services/T0/B0/X \n", ORIGIN).toString());
    }

    @Test
    void aUrlThatCannotBeUsedIsNamedNeverShown() {
        String[][] cases = {
                {"https://hooks.slack.com/services/T0/B0/bro ken", "holds a space inside the URL (character 43 after trimming)"},
                {"https://hooks.slack.com/services/T0/B0/x\ny", "holds a line break inside the URL"},
                {"https://", "is not a valid URL (expected authority at character 9)"},
                {"https://hooks.slack.com/servi|ces", "is not a valid URL (illegal character in path at character 30)"},
                {"ftp://hooks.slack.com/services", "must be an https:// (or http://) URL"},
                {"hooks.slack.com/services/T0", "must be an https:// (or http://) URL"},
                {"https:///services/T0", "has no host name"},
                {"", "is empty"},
        };
        for (String[] c : cases) {
            SecretException e = assertThrows(SecretException.class, () -> SecretValues.url(c[0], ORIGIN), c[0]);
            assertTrue(e.getMessage().startsWith(ORIGIN + " " + c[1]), c[0] + " -> " + e.getMessage());
            assertFalse(e.getMessage().contains("services") || e.getMessage().contains("slack.com"), e.getMessage());
        }
    }
}
