package dev.aviary.simulate;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Flagger as a careful user would tune it to their traffic: the same analysis as {@code flagger}, with the
 * {@code request-success-rate} minimum set per scenario by {@link FlaggerCalibration} so that no more than
 * {@link #TARGET_FALSE_ROLLBACK_RATE} of good canaries are rolled back at that scenario's rate of requests and of
 * baseline errors. Comparing its speed with Aviary's compares them at equal false-rollback rates.
 */
public final class FlaggerTunedContender implements Contender {

    public static final double TARGET_FALSE_ROLLBACK_RATE = 0.01;
    /** A/A runs per calibration: a rate of 1% is measured within about +-0.3%. */
    public static final int CALIBRATION_RUNS = 1000;
    /** Keys the calibration's traffic apart from every scenario's own. */
    private static final long CALIBRATION_STREAM = 0xCA11B8A7EL;

    private final FlaggerContender.Analysis analysis;
    private final int calibrationRuns;
    /** Scenarios with the same A/A twin (and plan and seed) share one calibration. */
    private final Map<Key, FlaggerCalibration.Calibrated> calibrations = new ConcurrentHashMap<>();

    private record Key(Scenario twin, List<PlanStep> plan, long seed) {}

    public FlaggerTunedContender(FlaggerContender.Analysis analysis) {
        this(analysis, CALIBRATION_RUNS);
    }

    public FlaggerTunedContender(FlaggerContender.Analysis analysis, int calibrationRuns) {
        this.analysis = analysis;
        this.calibrationRuns = calibrationRuns;
    }

    @Override
    public String name() {
        return "flagger-tuned";
    }

    /** Uncalibrated it is plain Flagger; {@link Simulation} always calibrates it first. */
    @Override
    public RunResult run(List<PlanStep> plan, TrafficSource traffic, int run) {
        return new FlaggerContender(name(), analysis).run(plan, traffic, run);
    }

    @Override
    public Contender forScenario(Scenario scenario, List<PlanStep> plan, long seed) {
        return new FlaggerContender(name(), analysis.withMinSuccessRate(calibration(scenario, plan, seed).minSuccessRatePercent()));
    }

    /** The calibration for a scenario's traffic (computed once per A/A twin and seed). */
    public FlaggerCalibration.Calibrated calibration(Scenario scenario, List<PlanStep> plan, long seed) {
        return calibrations.computeIfAbsent(new Key(scenario.aaTwin(), List.copyOf(plan), seed), k -> FlaggerCalibration.calibrate(analysis, plan,
                k.twin(), TrafficSource.mix(TrafficSource.mix(seed, CALIBRATION_STREAM), k.twin().name().hashCode()), calibrationRuns,
                TARGET_FALSE_ROLLBACK_RATE));
    }
}
