package dev.aviary.simulate;

import dev.aviary.sim.ArmBehaviour;
import java.util.SplittableRandom;

/**
 * The simulated traffic of one run, second by second. The draws of a second depend only on (seed, run, second,
 * step), so every judge that is in the same step at the same second sees exactly the same requests: the judges
 * are compared on identical streams, and differ only where their own decisions took them to different steps.
 * Counts per second are aggregated draws (Poisson arrivals, binomial errors, multinomial latency buckets).
 */
public final class TrafficSource {

    private final Scenario scenario;
    private final long seed;
    private final double[] baselineBuckets;
    private final double[] canaryBuckets;

    public TrafficSource(Scenario scenario, long seed) {
        this.scenario = scenario;
        this.seed = seed;
        this.baselineBuckets = Buckets.probabilities(scenario.baseline());
        this.canaryBuckets = Buckets.probabilities(scenario.canary());
    }

    public Scenario scenario() {
        return scenario;
    }

    /** Both arms' second {@code second} of run {@code run} while in step {@code stepIndex}. */
    public ArmSecond[] second(int run, long second, int stepIndex, PlanStep step) {
        SplittableRandom rng = new SplittableRandom(mix(mix(mix(seed, run), second), stepIndex));
        double baselineRps = step.mirror() ? scenario.rps() : scenario.rps() * (1 - step.canaryShare());
        double canaryRps = step.mirror() ? scenario.rps() * step.canaryShare() / (1 - step.canaryShare()) : scenario.rps() * step.canaryShare();
        ArmSecond baseline = arm(rng, baselineRps, scenario.baseline(), baselineBuckets);
        ArmSecond canary = arm(rng, canaryRps, scenario.canary(), canaryBuckets);
        return new ArmSecond[] {baseline, canary};
    }

    /**
     * The pairs of answers replayed in second {@code second} of run {@code run}: {compared, agreed}. The replay runs
     * at a fixed rate whatever the step; its draws have a stream of their own, so request draws are unchanged.
     */
    public long[] pairs(int run, long second, int stepIndex) {
        Scenario.Shadow shadow = scenario.shadow();
        if (shadow == null) return new long[] {0, 0};
        SplittableRandom rng = new SplittableRandom(mix(mix(mix(mix(seed, run), second), stepIndex), PAIRS_STREAM));
        long n = (long) Math.floor(shadow.pairsPerSecond() * (second + 1)) - (long) Math.floor(shadow.pairsPerSecond() * second);
        return new long[] {n, binomial(rng, n, shadow.agreement())};
    }

    /** Keys the pair draws apart from the request draws of the same second. */
    private static final long PAIRS_STREAM = 0x5EED_0F_A1B5L;

    private static ArmSecond arm(SplittableRandom rng, double rps, ArmBehaviour behaviour, double[] bucketP) {
        long n = ArmBehaviour.poisson(rng, rps);
        long errors = binomial(rng, n, behaviour.errorRate());
        long[] buckets = new long[bucketP.length];
        long left = n;
        double mass = 1;
        for (int i = 0; i < bucketP.length && left > 0; i++) {
            if (bucketP[i] <= 0) continue;
            long k = i == bucketP.length - 1 || mass <= bucketP[i] ? left : binomial(rng, left, Math.min(1, bucketP[i] / mass));
            buckets[i] = k;
            left -= k;
            mass -= bucketP[i];
        }
        if (left > 0) buckets[bucketP.length - 1] += left;
        return new ArmSecond(n, errors, buckets);
    }

    /** Binomial draw: one Bernoulli per trial for small n (the usual case per second), normal beyond. */
    static long binomial(SplittableRandom rng, long n, double p) {
        if (n <= 0 || p <= 0) return 0;
        if (p >= 1) return n;
        if (n <= 200) {
            long k = 0;
            for (long i = 0; i < n; i++) if (rng.nextDouble() < p) k++;
            return k;
        }
        double mean = n * p, sd = Math.sqrt(mean * (1 - p));
        return Math.max(0, Math.min(n, Math.round(mean + sd * rng.nextGaussian())));
    }

    /** SplitMix64 finaliser over a running key. */
    static long mix(long key, long value) {
        long z = key * 0x9E3779B97F4A7C15L + value + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
