package dev.aviary.simulate;

import java.util.List;
import java.util.stream.IntStream;

/**
 * The strictest {@code request-success-rate} minimum, in the tenths of a percent a Flagger user writes, at which
 * Flagger's analysis rolls back at most {@code target} of good canaries: measured on the scenario's A/A twin (the
 * same traffic with the canary identical to the baseline) on a seed of its own, so the threshold is not fitted to
 * the runs it is then judged on. Deterministic: the same inputs give the same threshold.
 *
 * <p>Each calibration run draws every window Flagger could read (each plan step at each tick it can reach before
 * promotion or rollback) once; every candidate threshold then replays {@link FlaggerContender#walk} over those
 * windows, so trying a threshold costs no new traffic.
 */
public final class FlaggerCalibration {

    /** Candidate minimums from 100% down to 0%, in tenths of a percent. */
    static final int TOP_TENTHS = 1000;

    /**
     * @param minSuccessRatePercent the calibrated {@code thresholdRange.min}
     * @param falseRollbackRate     its rollback rate over the calibration runs
     * @param met                   false when even a minimum of 0% rolls back more than the target (empty windows
     *                              alone fail the check, whatever the threshold); the threshold is then 0
     */
    public record Calibrated(double minSuccessRatePercent, double falseRollbackRate, int runs, boolean met) {}

    private FlaggerCalibration() {}

    public static Calibrated calibrate(FlaggerContender.Analysis analysis, List<PlanStep> plan, Scenario aa, long seed, int runs, double target) {
        if (!aa.goodCanary()) throw new IllegalArgumentException("calibrate on a good canary, not " + aa.name());
        int[] iterations = FlaggerContender.iterations(plan, analysis);
        TrafficSource traffic = new TrafficSource(aa, seed);
        FlaggerContender.Window[][][] tables = new FlaggerContender.Window[runs][][];
        IntStream.range(0, runs).parallel().forEach(r -> tables[r] = reachableWindows(traffic, r, plan, iterations, analysis));
        double rate = Double.NaN;
        for (int tenths = TOP_TENTHS; tenths >= 0; tenths--) {
            FlaggerContender.Analysis candidate = analysis.withMinSuccessRate(tenths / 10.0);
            rate = rollbackRate(tables, iterations, candidate);
            if (rate <= target) return new Calibrated(tenths / 10.0, rate, runs, true);
        }
        return new Calibrated(0, rate, runs, false);
    }

    private static double rollbackRate(FlaggerContender.Window[][][] tables, int[] iterations, FlaggerContender.Analysis analysis) {
        int[] firstTick = firstTicks(iterations);
        long rollbacks = IntStream.range(0, tables.length).parallel()
                .filter(r -> FlaggerContender.walk(iterations, analysis, (step, tick) -> tables[r][step][tick - firstTick[step]]).end()
                        == RunResult.End.ROLLBACK)
                .count();
        return (double) rollbacks / tables.length;
    }

    /**
     * Step {@code s} can be read from tick {@code P + 1} (P = the passes of the steps before it) to
     * {@code P + iterations[s] + threshold}: past that it has either passed enough or rolled back.
     */
    static FlaggerContender.Window[][] reachableWindows(TrafficSource traffic, int run, List<PlanStep> plan, int[] iterations,
                                                       FlaggerContender.Analysis analysis) {
        int[] firstTick = firstTicks(iterations);
        FlaggerContender.Window[][] table = new FlaggerContender.Window[iterations.length][];
        for (int s = 0; s < iterations.length; s++) {
            table[s] = new FlaggerContender.Window[iterations[s] + analysis.threshold()];
            for (int i = 0; i < table[s].length; i++) {
                table[s][i] = FlaggerContender.window(traffic, run, plan, s, firstTick[s] + i, analysis);
            }
        }
        return table;
    }

    /** The earliest tick at which each step can be read. */
    private static int[] firstTicks(int[] iterations) {
        int[] first = new int[iterations.length];
        for (int s = 0, passes = 0; s < iterations.length; passes += iterations[s], s++) first[s] = passes + 1;
        return first;
    }
}
