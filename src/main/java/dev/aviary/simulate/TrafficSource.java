package dev.aviary.simulate;

import dev.aviary.sim.ArmBehaviour;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The simulated traffic of one run, second by second. The draws of a second depend only on (seed, run, second,
 * step), so every judge that is in the same step at the same second sees exactly the same requests: the judges
 * are compared on identical streams, and differ only where their own decisions took them to different steps.
 * Counts per second are aggregated draws (Poisson arrivals, binomial errors, multinomial latency buckets), with
 * what the scenario's {@link Noise} adds: errors spread over pods whose rates wander, bursts, a daily swing, and a
 * header group whose inputs fail more often. Per-run and per-pod draws (burst starts, the swing's phase, a pod's
 * rate in an epoch) have streams of their own, keyed without the step, so they are the same for every judge.
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
        Noise noise = scenario.noise();
        double rps = scenario.rps() * load(run, second);
        double baselineRps = step.mirror() ? rps : rps * (1 - step.canaryShare());
        double canaryRps = step.mirror() ? rps * step.canaryShare() / (1 - step.canaryShare()) : rps * step.canaryShare();
        // who is asking: a header route sends the canary the header group alone; any other step splits everyone alike
        boolean headerRoute = Double.isNaN(step.expectedShare());
        double mixed = 1 + scenario.headerShare() * (noise.headerPopulationShift() - 1);
        double baselinePopulation = headerRoute ? 1 : mixed, canaryPopulation = headerRoute ? noise.headerPopulationShift() : mixed;
        double errorDrift = load(run, second);
        ArmSecond baseline = arm(rng, baselineRps, scenario.baseline(), baselineBuckets, baselinePopulation * errorDrift, run, second, false);
        ArmSecond canary = arm(rng, canaryRps, scenario.canary(), canaryBuckets, canaryPopulation * errorDrift, run, second, true);
        return new ArmSecond[] {baseline, canary};
    }

    /** The daily swing of traffic (and of errors with it) at {@code second}, 1 on average; its phase is the run's. */
    double load(int run, long second) {
        Noise noise = scenario.noise();
        if (noise.diurnalAmplitude() == 0) return 1;
        double phase = new SplittableRandom(mix(mix(seed, run), DIURNAL_STREAM)).nextDouble();
        return 1 + noise.diurnalAmplitude() * Math.sin(2 * Math.PI * (second / noise.diurnalPeriodSeconds() + phase));
    }

    /** The second of run {@code run} at which burst {@code index} begins: its own, or one drawn for the run. */
    long burstStart(int run, int index) {
        Burst b = scenario.noise().bursts().get(index);
        if (b.start() != null) return b.start();
        return new SplittableRandom(mix(mix(mix(seed, run), BURST_STREAM), index)).nextLong(Burst.DEFAULT_WINDOW);
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
    /** Keys of the per-run and per-pod draws, apart from the seconds' draws (which they do not consume). */
    private static final long DIURNAL_STREAM = 0xD1_0A_11L, BURST_STREAM = 0xB0_0257L, POD_STREAM = 0x90_D5L;

    /**
     * One arm's second: Poisson arrivals, then errors (over its pods when it has several or they are overdispersed;
     * at the burst's share while a burst hits it), then the latency histogram. With {@link Noise#NONE} the draws are
     * exactly those of the plain model.
     */
    private ArmSecond arm(SplittableRandom rng, double rps, ArmBehaviour behaviour, double[] bucketP, double errorFactor, int run,
                          long second, boolean canary) {
        long n = ArmBehaviour.poisson(rng, rps);
        double rate = Math.min(1, behaviour.errorRate() * errorFactor);
        double burst = burstShare(run, second, canary);
        long errors = errors(rng, n, rate, burst, run, second, canary);
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

    /** The share of the arm's requests a burst fails at {@code second}, 0 outside every burst. */
    private double burstShare(int run, long second, boolean canary) {
        List<Burst> bursts = scenario.noise().bursts();
        double share = 0;
        for (int i = 0; i < bursts.size(); i++) {
            Burst b = bursts.get(i);
            if (!b.hits(canary)) continue;
            long start = burstStart(run, i);
            if (second >= start && second < start + b.seconds()) share = Math.max(share, b.share());
        }
        return share;
    }

    /** The arm's failed requests of a second: spread over its pods, each failing at its own rate, then the burst's. */
    private long errors(SplittableRandom rng, long n, double rate, double burst, int run, long second, boolean canary) {
        Noise noise = scenario.noise();
        if (noise.pods() == 1 && noise.podRateCv() == 0) return binomial(rng, n, burst + (1 - burst) * rate);
        long errors = 0, left = n;
        for (int pod = 0; pod < noise.pods(); pod++) {
            long served = pod == noise.pods() - 1 ? left : binomial(rng, left, 1.0 / (noise.pods() - pod));
            left -= served;
            double podRate = Math.min(1, rate * podFactor(run, canary, pod, second / Noise.POD_EPOCH_SECONDS));
            errors += binomial(rng, served, burst + (1 - burst) * podRate);
        }
        return errors;
    }

    /**
     * A pod's error rate over the arm's for one epoch: Beta-distributed with mean the arm's rate and the scenario's
     * coefficient of variation, divided by that rate (so 1 on average). Keyed by (seed, run, arm, pod, epoch).
     */
    double podFactor(int run, boolean canary, int pod, long epoch) {
        double cv = scenario.noise().podRateCv();
        double q = (canary ? scenario.canary() : scenario.baseline()).errorRate();
        if (cv == 0 || q <= 0 || q >= 1) return 1;
        // Beta(a, b) with mean q and sd cv q; a concentration too small for that CV is capped (the Beta's widest)
        double concentration = Math.max(0.05, (1 - q) / (cv * cv * q) - 1);
        SplittableRandom r = new SplittableRandom(mix(mix(mix(mix(seed, run), POD_STREAM), (canary ? 1000 : 0) + pod), epoch));
        double x = gamma(r, q * concentration), y = gamma(r, (1 - q) * concentration);
        return x + y == 0 ? 1 : x / (x + y) / q;
    }

    /** Gamma(shape, 1) by Marsaglia and Tsang (shape below 1 boosted by U^(1/shape)). */
    static double gamma(SplittableRandom r, double shape) {
        if (shape < 1) return gamma(r, shape + 1) * Math.pow(r.nextDouble(), 1 / shape);
        double d = shape - 1.0 / 3, c = 1 / Math.sqrt(9 * d);
        while (true) {
            double z = r.nextGaussian(), v = 1 + c * z;
            if (v <= 0) continue;
            v = v * v * v;
            double u = r.nextDouble();
            if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
        }
    }

    /**
     * Binomial draw: one Bernoulli per trial for small n (the usual case per second); beyond, Poisson for rare
     * events (n p under 30) and normal otherwise.
     */
    static long binomial(SplittableRandom rng, long n, double p) {
        if (n <= 0 || p <= 0) return 0;
        if (p >= 1) return n;
        if (n <= 200) {
            long k = 0;
            for (long i = 0; i < n; i++) if (rng.nextDouble() < p) k++;
            return k;
        }
        if (n * p < 30 && p < 0.1) return Math.min(n, ArmBehaviour.poisson(rng, n * p));
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
