package dev.aviary.checks;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What a preset's min and max may be, given what the preset measures: a latency preset's bounds are milliseconds on
 * its mesh's request-duration histogram (the mesh's bucket bounds), a success-rate preset's a percentage. The p99
 * check counts the requests above {@code max} from the bucket at {@code max}, so a bound between two buckets has no
 * bucket to count from and the check would hold for want of data at run time.
 */
public final class PresetBounds {

    private PresetBounds() {}

    /**
     * Empty when {@code value} suits the preset as its {@code field} (min or max); else a message starting with
     * the field and the value as written.
     */
    public static Optional<String> percentage(String field, String written, double value) {
        return value >= 0 && value <= 100 ? Optional.empty() : Optional.of(field + " " + written
                + " is outside 0–100; the success rate is a percentage, e.g. min: 99");
    }

    /**
     * A latency bound in ms: positive, and for max one of {@code bounds} (ascending), the bucket bounds of the
     * histogram named in messages as {@code histogram}, e.g. "Istio's latency histogram".
     */
    public static Optional<String> latency(String field, String written, double value, double[] bounds, String histogram) {
        if (value <= 0) {
            return Optional.of(field + " " + written + " is not above 0; a latency bound is a positive number of ms");
        }
        if (field.equals("min") || Arrays.stream(bounds).anyMatch(b -> b == value)) return Optional.empty();
        double below = Arrays.stream(bounds).filter(b -> b < value).max().orElse(Double.NaN);
        double above = Arrays.stream(bounds).filter(b -> b > value).min().orElse(Double.NaN);
        String nearest = Double.isNaN(below) ? ms(above) : Double.isNaN(above) ? ms(below) : ms(below) + " or " + ms(above);
        return Optional.of("max " + written + " is not a bucket bound of " + histogram + ", so no bucket counts "
                + "the requests above it; use " + nearest + " (bounds: "
                + Arrays.stream(bounds).mapToObj(PresetBounds::ms).collect(Collectors.joining(" ")) + " ms)");
    }

    private static String ms(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
