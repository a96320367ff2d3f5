package dev.aviary.policy;

import dev.aviary.checks.Threshold;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static dev.aviary.policy.PolicyLoaderTest.MINIMAL;
import static dev.aviary.policy.PolicyTestSupport.FILE;
import static dev.aviary.policy.PolicyTestSupport.replace;
import static dev.aviary.policy.PolicyTestSupport.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every number in a policy is finite and in range, and every YAML 1.1 spelling of a number that is not a plain
 * decimal gets a message saying what to write (the probe's NaN, infinity, 1e400, 0x1E, 3_0 and !!str findings).
 */
class PolicyNumbersTest {

    private final PolicyLoader loader = new PolicyLoader();

    private static String withAlpha(String alpha) {
        return replace(MINIMAL, "  steps:", "  alpha: " + alpha + "\n  steps:");
    }

    /** MINIMAL plus a p99 check whose last line (20) is {@code line}. */
    private static String withP99(String line) {
        return MINIMAL + "    - name: p99\n      preset: istio-latency-p99\n      " + line + "\n";
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            ".nan   | alpha .nan is not a number (NaN); write a number",
            ".NaN   | alpha .NaN is not a number (NaN); write a number",
            ".inf   | alpha .inf is infinite; write a finite number",
            "-.inf  | alpha -.inf is infinite; write a finite number",
            "1e400  | alpha 1e400 is too large",
            "0x1E   | alpha 0x1E is hexadecimal; write 30, not 0x1E",
            "0b11   | alpha 0b11 is binary; write 3, not 0b11",
            "0o17   | alpha 0o17 is octal; write 15, not 0o17",
            "017    | alpha 017 has a leading zero, which YAML 1.1 reads as octal 15; write 17 without it",
            "09     | alpha 09 has a leading zero; write 9 without it",
            "3_0    | alpha 3_0 has _ separators; write 30, not 3_0",
            "'!!str 0.01' | alpha must be a number, found the text \"0.01\"; the !!str tag makes it text, so remove the tag",
            "'\"0.01\"'   | alpha must be a number, found the text \"0.01\"; write it without quotes",
    })
    void alphaSpelledAnyOtherWayThanAPlainDecimalSaysWhatToWrite(String written, String message) {
        assertEquals(message, single(withAlpha(written), 11, 10, "spec.alpha").message());
    }

    @ParameterizedTest
    @ValueSource(strings = {".nan", ".NaN", ".inf", "-.inf", "1e400"})
    void nonFiniteMinAndMaxAreProblemsNotExceptions(String written) {
        single(withP99("max: " + written), 20, 12, "spec.checks[1].max", "max " + written + " is");
        single(MINIMAL + "    - name: ok\n      preset: istio-success-rate\n      min: " + written + "\n", 20, 12,
                "spec.checks[1].min", "min " + written + " is");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            ".nan%  | tolerance .nan is not a number (NaN)",
            "1e400% | tolerance 1e400 is too large",
            ".inf   | tolerance .inf is infinite",
            "0x10%  | tolerance 0x10 is hexadecimal; write 16, not 0x10",
            "5000%  | tolerance 5000% would pass a canary more than 11 times worse than the baseline",
    })
    void toleranceIsFiniteAndBounded(String written, String message) {
        single(replace(MINIMAL, "tolerance: 10%", "tolerance: " + written), 17, 18, "spec.checks[0].tolerance", message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0x1E       | weight 0x1E is hexadecimal; write 30, not 0x1E",
            "3_0        | weight 3_0 has _ separators; write 30, not 3_0",
            "5e1        | weight must be a whole number; write 50, not 5e1",
            "50.0       | weight must be a whole number; write 50, not 50.0",
            "12.5       | weight must be a whole number, found the number 12.5",
            "'!!str 30' | weight must be a whole number, found the text \"30\"; the !!str tag makes it text, so remove the tag",
            "'\"30\"'   | weight must be a whole number, found the text \"30\"; write it without quotes",
    })
    void wholeNumbersSayThePlainSpelling(String written, String message) {
        assertEquals(message, single(replace(MINIMAL, "weight: 50", "weight: " + written), 12, 15,
                "spec.steps[0].weight").message());
    }

    @Test
    void aWholeNumberBeyondALongIsTooLarge() {
        single(replace(MINIMAL, "  steps:", "  minRequests: 99999999999999999999\n  steps:"), 11, 16,
                "spec.minRequests", "minRequests 99999999999999999999 is too large");
    }

    @Test
    void explicitCoreTagsAreHonoured() throws Exception {
        assertEquals(30, loader.parse(replace(MINIMAL, "weight: 50", "weight: !!int \"30\""), FILE).steps().get(0).weight());
    }

    @Test
    void overflowingSpecDurationsAreRefused() {
        String longer = "\"9999999999999999d\" is longer than 365d, the longest duration a policy takes";
        single(replace(MINIMAL, "  steps:", "  interval: 9999999999999999d\n  steps:"), 11, 13, "spec.interval", longer);
        single(replace(MINIMAL, "  steps:", "  maxStepDuration: 9999999999999999d\n  steps:"), 11, 20,
                "spec.maxStepDuration", longer);
        single(replace(MINIMAL, "  steps:", "  noData: {tolerate: 9999999999999999d}\n  steps:"), 11, 22,
                "spec.noData.tolerate", longer);
    }

    @Test
    void overflowingStepAndCheckDurationsAreRefused() {
        single(replace(MINIMAL, "    - weight: 50", "    - weight: 50\n      minDuration: 9999999999999999d"), 13, 20,
                "spec.steps[0].minDuration", "longer than 365d");
        single(MINIMAL + "    - name: slow\n      preset: istio-slow-requests\n      slowerThan: 106751991167301d\n"
                + "      tolerance: 5%\n", 20, 19, "spec.checks[1].slowerThan", "longer than 365d");
        assertEquals(Duration.ofDays(365), Durations.parse("365d"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("365d1ms"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("1s".repeat(40)), "too long to be a duration");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "max: 400 | max 400 is not a bucket bound of Istio's latency histogram, so no bucket counts the requests above it; use 250 or 500",
            "max: -5  | max -5 is not above 0",
            "max: 0   | max 0 is not above 0",
            "max: 4000000 | use 3600000 (bounds: 0.5 1 5 10 25 50 100 250 500 1000",
    })
    void p99MaxIsAPositiveBucketBound(String line, String message) {
        single(withP99(line), 20, line.indexOf(':') + 9, "spec.checks[1]." + line.substring(0, line.indexOf(':')), message);
    }

    @Test
    void p99BoundsOnBucketsPass() throws Exception {
        for (String max : new String[] {"0.5", "250", "500", "1000", "3600000"}) {
            assertEquals(Double.parseDouble(max), ((Threshold.Spec) loader.parse(withP99("max: " + max), FILE).checks().get(1)).max());
        }
        single(withP99("max: 500\n      min: -1"), 21, 12, "spec.checks[1].min", "min -1 is not above 0");
    }

    @Test
    void successRateBoundsArePercentages() {
        single(MINIMAL + "    - name: ok\n      preset: istio-success-rate\n      min: 150\n", 20, 12, "spec.checks[1].min",
                "min 150 is outside 0–100; the success rate is a percentage");
    }

    @Test
    void numberSyntaxReadsPlainDecimalsExactly() {
        assertEquals(new NumberSyntax.Value(new java.math.BigDecimal("0.05")), NumberSyntax.decimal("0.05"));
        assertEquals(new NumberSyntax.Value(new java.math.BigDecimal("-1e3")), NumberSyntax.decimal("-1e3"));
        assertEquals(new NumberSyntax.Value(new java.math.BigDecimal("0")), NumberSyntax.decimal("0"));
        assertEquals(new NumberSyntax.Wrong("-0x1F is hexadecimal; write -31, not -0x1F"), NumberSyntax.decimal("-0x1F"));
        assertEquals(new NumberSyntax.Wrong("1e9999999999 is out of range"), NumberSyntax.decimal("1e9999999999"));
        assertEquals(new NumberSyntax.Wrong("\"1" + "0".repeat(78) + "…\" is too long for a number (100 characters)"),
                NumberSyntax.decimal("1" + "0".repeat(99)));
    }
}
