package dev.aviary.simulate;

import dev.aviary.sim.ArmBehaviour;
import java.util.List;

/**
 * The traffic of a simulated rollout: requests per second over both arms, how each arm serves, the share of
 * requests a header-route step sends to the canary, and for shadow scenarios the replayed pairs of answers.
 *
 * @param shadow null for request-only scenarios; else the policy is simulated with a shadow-agreement check added
 */
public record Scenario(String name, double rps, ArmBehaviour baseline, ArmBehaviour canary, double headerShare, Shadow shadow) {

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
        this(name, rps, baseline, canary, headerShare, null);
    }

    /** Latency of a healthy arm: median 100 ms, sigma 0.4 (p95 193 ms, p99 253 ms, 1.1% slower than 250 ms). */
    public static final ArmBehaviour HEALTHY = new ArmBehaviour(0.01, 100, 0.4);
    public static final double DEFAULT_HEADER_SHARE = 0.10;

    public static List<Scenario> builtIn() {
        return List.of(
                new Scenario("aa-20rps", 20, HEALTHY, HEALTHY, DEFAULT_HEADER_SHARE),
                new Scenario("aa-2rps", 2, HEALTHY, HEALTHY, DEFAULT_HEADER_SHARE),
                new Scenario("errors-1to2-20rps", 20, HEALTHY, withErrorRate(HEALTHY, 0.02), DEFAULT_HEADER_SHARE),
                new Scenario("errors-1to5-20rps", 20, HEALTHY, withErrorRate(HEALTHY, 0.05), DEFAULT_HEADER_SHARE),
                // every latency quantile 30% higher, so p95 too
                new Scenario("latency-p95-plus30-20rps", 20, HEALTHY, HEALTHY.slowerBy(1.3), DEFAULT_HEADER_SHARE),
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

    static ArmBehaviour withErrorRate(ArmBehaviour arm, double errorRate) {
        return new ArmBehaviour(errorRate, arm.latencyMedianMs(), arm.latencySigma());
    }

    /**
     * A canary no worse than its baseline on errors and latency, and agreeing with it at least as required: any
     * rollback of it is a false rollback.
     */
    public boolean goodCanary() {
        return canary.errorRate() <= baseline.errorRate() && canary.latencyMedianMs() <= baseline.latencyMedianMs()
                && canary.latencySigma() <= baseline.latencySigma() && (shadow == null || shadow.agreement() >= shadow.minAgreement());
    }

    /**
     * The same traffic with a canary identical to the baseline (no shadow replay): where a judge tuned to the
     * traffic, such as {@code flagger-tuned}, calibrates its thresholds. Scenarios differing only in their canary
     * share one twin.
     */
    public Scenario aaTwin() {
        return new Scenario("aa-twin", rps, baseline, baseline, headerShare, null);
    }
}
