package dev.aviary.simulate;

import java.util.Locale;

/**
 * A transient failure: for {@code seconds} seconds a share of an arm's requests fail (a pod crash-looping, a bad
 * node, a dependency timing out). {@code CANARY} alone is a real regression of the canary; {@code BOTH} hits both
 * arms in proportion to their traffic (a shared dependency), which no judge should blame on the canary.
 *
 * @param start the second of the rollout it begins at; null: a second drawn per run, uniform over the first
 *              {@link #DEFAULT_WINDOW} seconds (while the canary is first exposed), the same for every judge
 */
public record Burst(Arm arm, long seconds, double share, Long start) {

    public enum Arm { CANARY, BASELINE, BOTH }

    /** Bursts without a fixed start begin within this many seconds of the rollout's start. */
    public static final long DEFAULT_WINDOW = 300;

    public Burst {
        if (seconds < 1) throw new IllegalArgumentException("a burst lasts at least 1 second");
        if (!(share > 0 && share <= 1)) throw new IllegalArgumentException("a burst's share of failing requests must be within (0, 1]");
        if (start != null && start < 0) throw new IllegalArgumentException("a burst starts at second 0 or later");
    }

    public boolean hits(boolean canary) {
        return arm == Arm.BOTH || (arm == Arm.CANARY) == canary;
    }

    /** {@code ARM:SECONDS:SHARE[@START]}, e.g. {@code canary:30:0.25} or {@code both:60:0.1@120}. */
    public static Burst parse(String text) {
        String[] at = text.split("@", 2);
        String[] p = at[0].split(":");
        String usage = "--burst " + text + ": expected ARM:SECONDS:SHARE[@START] with ARM canary, baseline or both, e.g. canary:30:0.25";
        if (p.length != 3) throw new IllegalArgumentException(usage);
        try {
            Arm arm = Arm.valueOf(p[0].trim().toUpperCase(Locale.ROOT));
            return new Burst(arm, Long.parseLong(p[1].trim()), Double.parseDouble(p[2].trim()), at.length == 2 ? Long.parseLong(at[1].trim()) : null);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e instanceof NumberFormatException || e.getMessage() == null || e.getMessage().startsWith("No enum")
                    ? usage : "--burst " + text + ": " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return arm.name().toLowerCase(Locale.ROOT) + ":" + seconds + ":" + share + (start == null ? "" : "@" + start);
    }
}
