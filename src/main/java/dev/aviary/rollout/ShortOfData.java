package dev.aviary.rollout;

import dev.aviary.analysis.Observation;
import dev.aviary.policy.Durations;
import dev.aviary.policy.Policy;
import java.time.Duration;
import java.util.Locale;

/**
 * A step that reached maxStepDuration before each arm served {@code minRequests}: it could not be judged for lack of
 * traffic, which says nothing against the canary, so it is never rolled back for it (the policy's onTimeout is for
 * steps whose evidence is in and still undecided).
 *
 * <p>Such a step keeps waiting while data still arrive fast enough that, at the step's observed rate, the slower arm
 * reaches minRequests within twice maxStepDuration: a quiet hour or a policy sized a little too tight for the traffic
 * then costs time, not the canary, and a good canary is promoted however slowly its traffic comes. When the
 * projection says otherwise (no requests at all, or too few to finish in that time), or twice maxStepDuration has
 * passed, the step pauses with the numbers a person needs: how many requests each arm served, how many the policy
 * asks for, and how long the rest would take at the observed rate. Waiting is bounded, so a starved rollout does not
 * hold forever without telling anyone; the bound is the policy's own time scale, not a new setting.
 *
 * @param served  requests the slower arm served in the step so far
 * @param needed  the policy's minRequests
 * @param elapsed the step's time so far
 */
record ShortOfData(long served, long needed, Duration elapsed) {

    /** How many maxStepDurations a short-of-data step may run when its traffic projects it to finish in that time. */
    static final int EXTENSION = 2;

    /** The step's shortfall, or null when both arms served minRequests or the evidence holds no request counts. */
    static ShortOfData of(Evidence evidence, Policy policy, Duration elapsed) {
        long baseline = -1, canary = -1;
        for (Observation o : evidence.observations().values()) {
            long[] arms = perArm(o);
            baseline = Math.max(baseline, arms[0]);
            canary = Math.max(canary, arms[1]);
        }
        long[] requests = perArm(evidence.requests());
        baseline = Math.max(baseline, requests[0]);
        canary = Math.max(canary, requests[1]);
        if (baseline < 0 || canary < 0) return null;
        long served = Math.min(baseline, canary);
        return served >= policy.minRequests() ? null : new ShortOfData(served, policy.minRequests(), elapsed);
    }

    /** Requests per arm an observation counts; -1 where it does not count them. */
    private static long[] perArm(Observation o) {
        if (o instanceof Observation.Counts c) return new long[] {c.baseline().total(), c.canary().total()};
        if (o instanceof Observation.Histogram h) return new long[] {sum(h.baseline()), sum(h.canary())};
        return new long[] {-1, -1};
    }

    private static long sum(long[] values) {
        long s = 0;
        for (long v : values) s += v;
        return s;
    }

    /** Requests per second the slower arm received in the step. */
    double rate() {
        double seconds = elapsed.toMillis() / 1000.0;
        return seconds <= 0 ? 0 : served / seconds;
    }

    /** The time the slower arm still needs at the observed rate; null when no request came at all. */
    Duration remaining() {
        double rate = rate();
        return rate <= 0 ? null : Duration.ofSeconds((long) Math.ceil((needed - served) / rate));
    }

    /** Whether the step keeps waiting: at the observed rate it finishes within {@link #EXTENSION} maxStepDurations. */
    boolean keepsWaiting(Duration maxStepDuration) {
        Duration remaining = remaining();
        return remaining != null && elapsed.plus(remaining).compareTo(maxStepDuration.multipliedBy(EXTENSION)) <= 0;
    }

    /** "step 2 is short of data after 1h: ..." with the counts, the rate and the expected time. */
    String explain(int stepIndex, Duration maxStepDuration) {
        Duration remaining = remaining();
        String head = "step " + (stepIndex + 1) + " is short of data after " + seconds(elapsed) + " (maxStepDuration "
                + seconds(maxStepDuration) + "): " + served + " of the " + needed + " requests per arm minRequests asks for";
        return remaining == null ? head + ", and no requests are arriving"
                : head + String.format(Locale.ROOT, " (%.3g/s); at that rate about %s more", rate(), seconds(remaining));
    }

    private static String seconds(Duration d) {
        return Durations.format(d.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    }
}
