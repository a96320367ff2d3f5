package dev.aviary.metrics.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Values from policies cannot break out of their PromQL string or regex. */
class PromQLTest {

    @Test
    void quotesEscapeQuotesBackslashesAndNewlines() {
        assertEquals("\"v1\"", PromQL.quote("v1"));
        assertEquals("\"a\\\"} or vector(1) #\"", PromQL.quote("a\"} or vector(1) #"));
        assertEquals("\"back\\\\slash\\nnewline\"", PromQL.quote("back\\slash\nnewline"));
    }

    @Test
    void armRegexMatchesOnlyTheLiteralValues() {
        // "v1.2" must not match "v1x2", and "a|b" in a label value is one value, not two
        assertEquals("\"v1\\\\.2|a\\\\|b\"", PromQL.anyOf("v1.2", "a|b"));
        String regex = PromQL.regexLiteral("v1.2+(x)");
        assertEquals(true, "v1.2+(x)".matches(regex));
        assertEquals(false, "v1x22(x)".matches(regex));
    }

    @Test
    void bucketBoundsMatchBothIstioAndJavaClientSpellings() {
        String re = PromQL.bucketBound(250);
        assertEquals(true, "250".matches(re));
        assertEquals(true, "250.0".matches(re));
        assertEquals(false, "2500".matches(re));
        assertEquals(false, "25".matches(re));
    }

    @Test
    void windowsRoundUpToWholeSeconds() {
        assertEquals("1s", PromQL.window(Duration.ZERO));
        assertEquals("91s", PromQL.window(Duration.ofMillis(90_001)));
        assertEquals("300s", PromQL.window(Duration.ofMinutes(5)));
    }

    @Test
    void placeholdersAreFilledWithEscapedValues() {
        assertEquals("sum(rate(x{version=\"v\\\"2\"}[60s]))",
                PromQL.fill("sum(rate(x{version=\"{{arm}}\"}[{{ window }}]))", "v\"2", Duration.ofMinutes(1)));
    }
}
