package dev.aviary.policy;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as Go and Prometheus write them: {@code 30s}, {@code 5m}, {@code 1h30m}, {@code 500ms}, {@code 1.5h},
 * {@code 2d}. ML leads already write these in Prometheus and Kubernetes, so the policy speaks the same way.
 */
public final class Durations {

    private static final Pattern WHOLE = Pattern.compile("(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d))+");
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)");

    /** The longest duration accepted: far beyond any sensible step, far below where millisecond sums overflow. */
    public static final Duration MAX = Duration.ofDays(365);

    /** Longer text is no duration anyone writes, and is not worth a regex over it. */
    static final int MAX_LENGTH = 64;

    private Durations() {}

    /**
     * @throws IllegalArgumentException with a message fit for a person (one line), when the text is not a
     *                                  duration or is longer than {@link #MAX}
     */
    public static Duration parse(String text) {
        String t = text == null ? "" : text.trim();
        String quoted = OneLine.quote(t);
        if (t.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(quoted + " is not a duration; write it like 30s, 5m, 1h30m or 500ms");
        }
        if (t.startsWith("-")) {
            throw new IllegalArgumentException(quoted + " is negative; a duration must be zero or more");
        }
        if (t.matches("\\d+(\\.\\d+)?")) {
            throw new IllegalArgumentException(quoted + " has no unit; write it like " + t + "s or " + t + "m");
        }
        if (!WHOLE.matcher(t).matches()) {
            throw new IllegalArgumentException(quoted + " is not a duration; write it like 30s, 5m, 1h30m or 500ms");
        }
        BigDecimal millis = BigDecimal.ZERO;
        Matcher m = PART.matcher(t);
        while (m.find()) {
            BigDecimal n = new BigDecimal(m.group(1));
            long unit = switch (m.group(2)) {
                case "ms" -> 1L;
                case "s" -> 1_000L;
                case "m" -> 60_000L;
                case "h" -> 3_600_000L;
                default -> 86_400_000L;
            };
            millis = millis.add(n.multiply(BigDecimal.valueOf(unit)));
        }
        if (millis.compareTo(BigDecimal.valueOf(MAX.toMillis())) > 0) {
            throw new IllegalArgumentException(quoted + " is longer than " + MAX.toDays() + "d, the longest duration a "
                    + "policy takes");
        }
        return Duration.ofMillis(millis.longValue());
    }

    /** The shortest Go-style spelling: 90s → "1m30s", 500ms → "500ms", 0 → "0s". */
    public static String format(Duration d) {
        if (d.isZero()) return "0s";
        if (d.isNegative()) return "-" + format(d.negated());
        StringBuilder s = new StringBuilder();
        long h = d.toHours();
        long m = d.toMinutesPart();
        long sec = d.toSecondsPart();
        long ms = d.toMillisPart();
        if (h > 0) s.append(h).append('h');
        if (m > 0) s.append(m).append('m');
        if (sec > 0) s.append(sec).append('s');
        if (ms > 0) s.append(ms).append("ms");
        return s.toString();
    }
}
