package dev.aviary.simulate;

import dev.aviary.sim.ArmBehaviour;
import java.util.List;

/**
 * The traffic of a simulated rollout: requests per second over both arms, how each arm serves, the share of
 * requests a header-route step sends to the canary, what real traffic adds ({@link Noise}: pods, overdispersion,
 * bursts, diurnal drift, a header group unlike the rest), and for shadow scenarios the replayed pairs of answers.
 *
 * @param shadow null for request-only scenarios; else the policy is simulated with a shadow-agreement check added
 */
public record Scenario(String name, double rps, ArmBehaviour baseline, ArmBehaviour canary, double headerShare, Shadow shadow, Noise noise) {

    public Scenario {
        if (!(rps >= 0.5 && rps <= 200)) throw new IllegalArgumentException("--rps must be within 0.5-200 (the range the simulation is built for), got " + rps);
        if (!(headerShare > 0 && headerShare < 1)) throw new IllegalArgumentException("--header-share must be within (0, 1)");
        if (noise == null) noise = Noise.NONE;
    }

    public Scenario(String name, double rps, ArmBehaviour baseline, ArmBehaviour canary, double headerShare, Shadow shadow) {
        this(name, rps, baseline, canary, headerShare, shadow, Noise.NONE);
    }

    /**
     * Stored requests replayed to both arms at {@code pairsPerSecond}; each pair agrees with probability
     * {@code agreement}, and the added check requires {@code minAgreement}.
     */
    public record Shadow(double agreement, double minAgreement, double pairsPerSecond) {}

    /** The agreement every shadow scenario's check requires. */
    public static final double MIN_AGREEMENT = 0.95;
    /** Replays per second in the shadow scenarios: a modest, production-safe rate. */
    public static final double PAIRS_PER_SECOND = 5;

    public Scenario(String name, double rps, ArmBehaviour baseline, ArmBehaviour canary, double headerShare) {
        this(name, rps, baseline, canary, headerShare, null, Noise.NONE);
    }

    public Scenario withNoise(Noise n) {
        return new Scenario(name, rps, baseline, canary, headerShare, shadow, n);
    }

    /** Latency of a healthy arm: median 100 ms, sigma 0.4 (p95 193 ms, p99 253 ms, 1.1% slower than 250 ms). */
    public static final ArmBehaviour HEALTHY = new ArmBehaviour(0.01, 100, 0.4);
    public static final double DEFAULT_HEADER_SHARE = 0.10;

    /**
     * The pods of the realistic scenarios: four per arm, each pod's error rate wandering with a coefficient of
     * variation of {@value #REALISTIC_POD_CV} (a pod at twice the arm's rate for a minute is common), and a daily
     * swing of +/-{@value #REALISTIC_DIURNAL} in traffic and errors.
     */
    public static final Noise REALISTIC = Noise.NONE.withPods(4, Scenario.REALISTIC_POD_CV).withDiurnal(Scenario.REALISTIC_DIURNAL, Noise.DAY);
    public static final double REALISTIC_POD_CV = 0.75;
    public static final double REALISTIC_DIURNAL = 0.3;
    /** The header group's inputs fail this many times as often as everyone's in aa-header-population-20rps. */
    public static final double HEADER_POPULATION_SHIFT = 2;
    /** The bursts of canary-burst-20rps and aa-shared-burst-20rps: 30 s during which a quarter of the requests fail. */
    public static final long BURST_SECONDS = 30;
    public static final double BURST_SHARE = 0.25;

    public static List<Scenario> builtIn() {
        return List.of(
                new Scenario("aa-20rps", 20, HEALTHY, HEALTHY, DEFAULT_HEADER_SHARE),
                new Scenario("aa-2rps", 2, HEALTHY, HEALTHY, DEFAULT_HEADER_SHARE),
                new Scenario("aa-0.5rps", 0.5, HEALTHY, HEALTHY, DEFAULT_HEADER_SHARE),
                new Scenario("aa-overdispersed-20rps", 20, HEALTHY, HEALTHY, DEFAULT_HEADER_SHARE).withNoise(REALISTIC),
                new Scenario("aa-header-population-20rps", 20, HEALTHY, HEALTHY, DEFAULT_HEADER_SHARE)
                        .withNoise(REALISTIC.withHeaderPopulationShift(HEADER_POPULATION_SHIFT)),
                new Scenario("aa-shared-burst-20rps", 20, HEALTHY, HEALTHY, DEFAULT_HEADER_SHARE)
                        .withNoise(REALISTIC.withBursts(List.of(new Burst(Burst.Arm.BOTH, BURST_SECONDS, BURST_SHARE, null)))),
                new Scenario("errors-1to5-20rps", 20, HEALTHY, withErrorRate(HEALTHY, 0.05), DEFAULT_HEADER_SHARE),
                new Scenario("errors-1to2-20rps", 20, HEALTHY, withErrorRate(HEALTHY, 0.02), DEFAULT_HEADER_SHARE),
                new Scenario("errors-0.1to0.5-20rps", 20, withErrorRate(HEALTHY, 0.001), withErrorRate(HEALTHY, 0.005), DEFAULT_HEADER_SHARE),
                new Scenario("errors-5to7.5-20rps", 20, withErrorRate(HEALTHY, 0.05), withErrorRate(HEALTHY, 0.075), DEFAULT_HEADER_SHARE),
                new Scenario("errors-1to5-2rps", 2, HEALTHY, withErrorRate(HEALTHY, 0.05), DEFAULT_HEADER_SHARE),
                new Scenario("canary-burst-20rps", 20, HEALTHY, HEALTHY, DEFAULT_HEADER_SHARE)
                        .withNoise(REALISTIC.withBursts(List.of(new Burst(Burst.Arm.CANARY, BURST_SECONDS, BURST_SHARE, null)))),
                // every latency quantile 30% higher, so p95 too
                new Scenario("latency-p95-plus30-20rps", 20, HEALTHY, HEALTHY.slowerBy(1.3), DEFAULT_HEADER_SHARE),
                // half the errors and 10% faster: any rollback is false, and promotion should take the steps' durations
                new Scenario("better-canary-20rps", 20, HEALTHY, withErrorRate(HEALTHY, 0.005).slowerBy(0.9), DEFAULT_HEADER_SHARE),
                // the same healthy arms; what differs is what the canary predicts
                agreement("agree-99-5pps", 0.99),
                agreement("agree-95.5-5pps", 0.955),
                agreement("agree-90-5pps", 0.90));
    }

    private static Scenario agreement(String name, double agreement) {
        return new Scenario(name, 20, HEALTHY, HEALTHY, DEFAULT_HEADER_SHARE, new Shadow(agreement, MIN_AGREEMENT, PAIRS_PER_SECOND));
    }

    public static Scenario named(String name) {
        return builtIn().stream().filter(s -> s.name.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown scenario " + name + "; built-in: "
                        + builtIn().stream().map(Scenario::name).toList()));
    }

    public static ArmBehaviour withErrorRate(ArmBehaviour arm, double errorRate) {
        return new ArmBehaviour(errorRate, arm.latencyMedianMs(), arm.latencySigma());
    }

    /**
     * A canary no worse than its baseline on errors and latency, agreeing with it at least as required, and not
     * failing alone in a burst: any rollback of it is a false rollback. A burst confined to the canary counts as a
     * regression (its users got the failures); one on both arms, or a header group unlike the rest, does not.
     */
    public boolean goodCanary() {
        return canary.errorRate() <= baseline.errorRate() && canary.latencyMedianMs() <= baseline.latencyMedianMs()
                && canary.latencySigma() <= baseline.latencySigma() && (shadow == null || shadow.agreement() >= shadow.minAgreement())
                && !noise.canaryOnlyBurst();
    }

    /**
     * The same traffic with a canary identical to the baseline (no shadow replay): where a judge tuned to the
     * traffic, such as {@code flagger-tuned}, calibrates its thresholds. Scenarios differing only in their canary
     * share one twin.
     */
    public Scenario aaTwin() {
        // the same noise (pods, drift, header group, shared bursts) without what makes the canary worse
        Noise twin = noise.withBursts(noise.bursts().stream().filter(b -> b.arm() == Burst.Arm.BOTH).toList());
        return new Scenario("aa-twin", rps, baseline, baseline, headerShare, null, twin);
    }
}
