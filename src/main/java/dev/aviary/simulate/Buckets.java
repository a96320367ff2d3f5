package dev.aviary.simulate;

import dev.aviary.sim.ArmBehaviour;
import dev.aviary.istio.IstioMetrics;
import org.apache.commons.math3.distribution.NormalDistribution;

/** Istio's default request-duration histogram buckets (ms) and the arm's probability of each. */
public final class Buckets {

    /** Upper bounds in ms; the last bucket is open-ended (+Inf). */
    public static final double[] UPPER_MS = java.util.stream.DoubleStream.concat(
            java.util.Arrays.stream(IstioMetrics.durationBucketsMs()), java.util.stream.DoubleStream.of(Double.POSITIVE_INFINITY)).toArray();

    private Buckets() {}

    /** P(latency in bucket i) under the arm's log-normal latency. */
    public static double[] probabilities(ArmBehaviour arm) {
        NormalDistribution z = new NormalDistribution(null, 0, 1);
        double[] p = new double[UPPER_MS.length];
        double below = 0;
        for (int i = 0; i < UPPER_MS.length; i++) {
            double cdf = Double.isInfinite(UPPER_MS[i]) ? 1
                    : arm.latencySigma() == 0 ? (arm.latencyMedianMs() <= UPPER_MS[i] ? 1 : 0)
                    : z.cumulativeProbability(Math.log(UPPER_MS[i] / arm.latencyMedianMs()) / arm.latencySigma());
            p[i] = Math.max(0, cdf - below);
            below = Math.max(below, cdf);
        }
        return p;
    }

    /** Index of the first bucket whose requests are all slower than {@code boundMs} (the bucket above the bound). */
    public static int firstAbove(double boundMs) {
        for (int i = 0; i < UPPER_MS.length; i++) if (UPPER_MS[i] >= boundMs) return i + 1;
        return UPPER_MS.length;
    }

    public static long countFrom(long[] buckets, int from) {
        long s = 0;
        for (int i = from; i < buckets.length; i++) s += buckets[i];
        return s;
    }

    /** Prometheus' histogram_quantile: linear interpolation inside the bucket holding the rank. NaN when empty. */
    public static double quantile(double q, long[] buckets) {
        long total = countFrom(buckets, 0);
        if (total == 0) return Double.NaN;
        double rank = q * total, cumulative = 0;
        for (int i = 0; i < buckets.length; i++) {
            double next = cumulative + buckets[i];
            if (next >= rank && buckets[i] > 0) {
                if (Double.isInfinite(UPPER_MS[i])) return UPPER_MS[i - 1];
                double lower = i == 0 ? 0 : UPPER_MS[i - 1];
                return lower + (UPPER_MS[i] - lower) * (rank - cumulative) / buckets[i];
            }
            cumulative = next;
        }
        return UPPER_MS[UPPER_MS.length - 2];
    }
}
