package dev.aviary.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The realistic traffic: each ingredient does what it says, and judges still see identical streams. */
class TrafficSourceTest {

    private static final PlanStep HEADER = new PlanStep("header", 0.1, Double.NaN, false, 300);
    private static final PlanStep HALF = new PlanStep("weight 50", 0.5, 0.5, false, 600);
    private static final Scenario PLAIN = new Scenario("plain", 20, Scenario.HEALTHY, Scenario.HEALTHY, 0.1);

    /** Errors per minute of the canary at 50%, over many minutes of one run: mean and variance. */
    private static double[] minuteMoments(TrafficSource t) {
        int minutes = 400;
        double sum = 0, sq = 0;
        for (int m = 0; m < minutes; m++) {
            long e = 0;
            for (int s = 0; s < 60; s++) e += t.second(0, m * 60L + s, 1, HALF)[1].errors();
            sum += e;
            sq += (double) e * e;
        }
        double mean = sum / minutes;
        return new double[] {mean, sq / minutes - mean * mean};
    }

    @Test
    void overdispersedPodsKeepTheArmsRateButVaryMoreThanBinomial() {
        double[] plain = minuteMoments(new TrafficSource(PLAIN, 3));
        double[] pods = minuteMoments(new TrafficSource(PLAIN.withNoise(Noise.NONE.withPods(4, 0.75)), 3));
        // 10 rps x 60 s x 1% = 6 errors a minute either way
        assertEquals(6, plain[0], 0.6);
        assertEquals(6, pods[0], 0.8);
        assertEquals(1, plain[1] / plain[0], 0.3, "plain counts are binomial: variance close to the mean");
        // four pods of 150 requests a minute, each at a rate with CV 0.75: variance ~ mean x (1 + 1.5 x 0.56) = 1.8 x mean
        assertTrue(pods[1] / pods[0] > 1.4, "overdispersed variance/mean " + pods[1] / pods[0]);
    }

    @Test
    void aCanaryBurstFailsItsShareOfTheCanarysRequestsOnlyAndStartsAtTheSameSecondForEveryJudge() {
        Scenario burst = PLAIN.withNoise(Noise.NONE.withBursts(List.of(Burst.parse("canary:30:0.25"))));
        TrafficSource a = new TrafficSource(burst, 9), b = new TrafficSource(burst, 9);
        long start = a.burstStart(5, 0);
        assertEquals(start, b.burstStart(5, 0));
        assertTrue(start >= 0 && start < Burst.DEFAULT_WINDOW);
        long canary = 0, canaryErrors = 0, baseline = 0, baselineErrors = 0;
        for (long s = start; s < start + 30; s++) {
            ArmSecond[] sec = a.second(5, s, 1, HALF);
            baseline += sec[0].requests();
            baselineErrors += sec[0].errors();
            canary += sec[1].requests();
            canaryErrors += sec[1].errors();
        }
        // 0.25 + 0.75 x 1% of the canary's 300 requests, 1% of the baseline's
        assertEquals(0.2575, (double) canaryErrors / canary, 0.08);
        assertTrue(baselineErrors <= 10, "baseline errors during a canary burst: " + baselineErrors);
        long after = 0;
        for (long s = start + 30; s < start + 330; s++) after += a.second(5, s, 1, HALF)[1].errors();
        assertTrue(after < 50, "the burst ends: " + after + " canary errors in the next 5 minutes");
        assertFalse(burst.goodCanary());
        assertTrue(PLAIN.withNoise(Noise.NONE.withBursts(List.of(Burst.parse("both:30:0.25")))).goodCanary());
    }

    @Test
    void theHeaderGroupFailsMoreOnlyWhereItAloneReachesTheCanary() {
        TrafficSource t = new TrafficSource(PLAIN.withNoise(Noise.NONE.withHeaderPopulationShift(3)), 11);
        long[] header = new long[4], weighted = new long[4];
        for (long s = 0; s < 20_000; s++) {
            add(header, t.second(0, s, 0, HEADER));
            add(weighted, t.second(0, s, 1, HALF));
        }
        double ratioHeader = rate(header, 1) / rate(header, 0), ratioWeighted = rate(weighted, 1) / rate(weighted, 0);
        assertEquals(3, ratioHeader, 0.45);
        assertEquals(1, ratioWeighted, 0.1);
        // everyone's rate in a split step: 90% at 1% and 10% at 3%
        assertEquals(0.012, rate(weighted, 0), 0.001);
    }

    @Test
    void theDailySwingAveragesOutOverItsPeriod() {
        Scenario diurnal = PLAIN.withNoise(Noise.NONE.withDiurnal(0.5, 1000));
        TrafficSource t = new TrafficSource(diurnal, 1);
        double sum = 0, min = 2, max = 0;
        for (long s = 0; s < 1000; s++) {
            double l = t.load(4, s);
            sum += l;
            min = Math.min(min, l);
            max = Math.max(max, l);
        }
        assertEquals(1, sum / 1000, 1e-3);
        assertEquals(0.5, min, 0.01);
        assertEquals(1.5, max, 0.01);
        assertEquals(1, new TrafficSource(PLAIN, 1).load(4, 123));
    }

    @Test
    void badBurstsAndRatesSayWhatToFix() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Burst.parse("canary:30")).getMessage().contains("ARM:SECONDS:SHARE"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Burst.parse("pods:30:0.2")).getMessage().contains("canary, baseline or both"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Burst.parse("both:30:1.5")).getMessage().contains("within (0, 1]"));
        assertEquals(120L, Burst.parse("both:60:0.1@120").start());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new Scenario("x", 0.1, Scenario.HEALTHY, Scenario.HEALTHY, 0.1)).getMessage().contains("--rps"));
    }

    @Test
    void everyBuiltInNameTheIssueAsksForExists() {
        for (String name : List.of("aa-20rps", "aa-2rps", "aa-0.5rps", "aa-overdispersed-20rps", "aa-header-population-20rps",
                "aa-shared-burst-20rps", "errors-1to5-20rps", "errors-1to2-20rps", "errors-0.1to0.5-20rps", "errors-5to7.5-20rps",
                "errors-1to5-2rps", "canary-burst-20rps", "latency-p95-plus30-20rps", "better-canary-20rps")) {
            assertEquals(name, Scenario.named(name).name());
        }
        assertTrue(Scenario.named("better-canary-20rps").goodCanary());
        assertFalse(Scenario.named("canary-burst-20rps").goodCanary());
    }

    private static void add(long[] acc, ArmSecond[] sec) {
        acc[0] += sec[0].requests();
        acc[1] += sec[0].errors();
        acc[2] += sec[1].requests();
        acc[3] += sec[1].errors();
    }

    /** arm 0 baseline, 1 canary */
    private static double rate(long[] acc, int arm) {
        return (double) acc[2 * arm + 1] / acc[2 * arm];
    }
}
