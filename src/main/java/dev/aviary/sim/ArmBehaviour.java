package dev.aviary.sim;

import java.util.random.RandomGenerator;

/**
 * How one arm of a simulated model serves: the probability a request fails (5xx) and a log-normal latency.
 * Shared by the mesh simulator (sandbox, end-to-end tests) and the decision-quality Monte-Carlo, so both judge
 * the same kind of traffic.
 *
 * @param errorRate       probability that a request answers 5xx
 * @param latencyMedianMs median latency in milliseconds
 * @param latencySigma    sigma of log(latency); 0.5 gives p95 = median x 2.28
 */
public record ArmBehaviour(double errorRate, double latencyMedianMs, double latencySigma) {

    public ArmBehaviour {
        if (errorRate < 0 || errorRate > 1) throw new IllegalArgumentException("errorRate must be within 0-1");
        if (latencyMedianMs <= 0) throw new IllegalArgumentException("latencyMedianMs must be positive");
        if (latencySigma < 0) throw new IllegalArgumentException("latencySigma must not be negative");
    }

    public boolean sampleError(RandomGenerator rng) {
        return rng.nextDouble() < errorRate;
    }

    public double sampleLatencyMs(RandomGenerator rng) {
        return latencyMedianMs * Math.exp(latencySigma * rng.nextGaussian());
    }

    /** P(latency > boundMs), in closed form. */
    public double slowShare(double boundMs) {
        if (latencySigma == 0) return latencyMedianMs > boundMs ? 1 : 0;
        double z = Math.log(boundMs / latencyMedianMs) / latencySigma;
        return 1 - new org.apache.commons.math3.distribution.NormalDistribution().cumulativeProbability(z);
    }

    /** The same arm with its latency scaled (every quantile multiplied by {@code factor}). */
    public ArmBehaviour slowerBy(double factor) {
        return new ArmBehaviour(errorRate, latencyMedianMs * factor, latencySigma);
    }

    /** A Poisson-distributed count with the given mean (inversion for small means, normal beyond). */
    public static long poisson(RandomGenerator rng, double mean) {
        if (mean <= 0) return 0;
        if (mean > 60) return Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.nextGaussian()));
        double l = Math.exp(-mean), p = 1;
        long k = 0;
        do {
            k++;
            p *= rng.nextDouble();
        } while (p > l);
        return k - 1;
    }
}
