package dev.aviary.checks.istio;

import dev.aviary.istio.IstioMetrics;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What a preset's min and max may be, given what the preset measures: istio-latency-p99 bounds are milliseconds on
 * Istio's request-duration histogram (its default buckets, an Istio fact kept in {@link IstioMetrics}), istio-success-rate
 * bounds a percentage. The p99 check counts the requests above {@code max} from the bucket at {@code max}, so a bound
 * between two buckets has no bucket to count from and the check would hold for want of data at run time.
 */
final class PresetBounds {

    private PresetBounds() {}

    /** The latency bucket bounds in ms, ascending (+Inf implied). */
    static double[] latencyBuckets() {
        return IstioMetrics.durationBucketsMs();
    }

    /**
     * Empty when {@code value} suits the preset as its {@code field} (min or max); else a message starting with
     * the field and the value as written.
     */
    static Optional<String> percentage(String field, String written, double value) {
        return value >= 0 && value <= 100 ? Optional.empty() : Optional.of(field + " " + written
                + " is outside 0–100; the success rate is a percentage, e.g. min: 99");
    }

    /** A latency bound in ms: positive, and for max one of the histogram's bucket bounds. */
    static Optional<String> latency(String field, String written, double value) {
        if (value <= 0) {
            return Optional.of(field + " " + written + " is not above 0; a latency bound is a positive number of ms");
        }
        double[] bounds = latencyBuckets();
        if (field.equals("min") || Arrays.stream(bounds).anyMatch(b -> b == value)) return Optional.empty();
        double below = Arrays.stream(bounds).filter(b -> b < value).max().orElse(Double.NaN);
        double above = Arrays.stream(bounds).filter(b -> b > value).min().orElse(Double.NaN);
        String nearest = Double.isNaN(below) ? ms(above) : Double.isNaN(above) ? ms(below) : ms(below) + " or " + ms(above);
        return Optional.of("max " + written + " is not a bucket bound of Istio's latency histogram, so no bucket counts "
                + "the requests above it; use " + nearest + " (bounds: "
                + Arrays.stream(bounds).mapToObj(PresetBounds::ms).collect(Collectors.joining(" ")) + " ms)");
    }

    private static String ms(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
