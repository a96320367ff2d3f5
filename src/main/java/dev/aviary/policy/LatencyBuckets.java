package dev.aviary.policy;

import dev.aviary.sim.MeshSimulator;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The bounds of Istio's request-duration histogram (its default buckets, defined once by the mesh simulator).
 * The istio-latency-p99 check counts the requests above {@code max} from the bucket at {@code max}, so a bound
 * between two buckets has no bucket to count from and the check would hold for want of data at run time.
 */
final class LatencyBuckets {

    private LatencyBuckets() {}

    /** The bounds in ms, ascending (+Inf implied). */
    static double[] bounds() {
        return MeshSimulator.ISTIO_BUCKETS.clone();
    }

    /** Empty when {@code maxMs} is a bucket bound; else a message naming the nearest bounds. */
    static Optional<String> problem(String written, double maxMs) {
        double[] bounds = bounds();
        if (maxMs <= 0) {
            return Optional.of("max " + written + " is not above 0; a latency bound is a positive number of ms");
        }
        if (Arrays.stream(bounds).anyMatch(b -> b == maxMs)) return Optional.empty();
        double below = Arrays.stream(bounds).filter(b -> b < maxMs).max().orElse(Double.NaN);
        double above = Arrays.stream(bounds).filter(b -> b > maxMs).min().orElse(Double.NaN);
        String nearest = Double.isNaN(below) ? ms(above) : Double.isNaN(above) ? ms(below) : ms(below) + " or " + ms(above);
        return Optional.of("max " + written + " is not a bucket bound of Istio's latency histogram, so no bucket counts "
                + "the requests above it; use " + nearest + " (bounds: "
                + Arrays.stream(bounds).mapToObj(LatencyBuckets::ms).collect(Collectors.joining(" ")) + " ms)");
    }

    private static String ms(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
