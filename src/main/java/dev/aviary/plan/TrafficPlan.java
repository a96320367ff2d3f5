package dev.aviary.plan;

import dev.aviary.analysis.AnytimeCountJudge;
import dev.aviary.analysis.ArmCounts;
import dev.aviary.analysis.JudgeMemory;
import dev.aviary.analysis.Observation;
import dev.aviary.analysis.Outcome;
import dev.aviary.analysis.StepContext;
import dev.aviary.checks.CheckTypes;
import dev.aviary.metrics.Measure;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Durations;
import dev.aviary.policy.Policy;
import dev.aviary.policy.Step;
import dev.aviary.rollout.Decider;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * What a policy's steps take at a given traffic, before a rollout meets it: per step, each arm's request rate, when
 * each arm has served minRequests, and how soon the policy's error-rate check rolls back a canary with 2x and 5x the
 * baseline's 5xx rate. Pure: no cluster, no clock.
 *
 * <p>Detection times come from the judge itself: the daemon's own {@link AnytimeCountJudge} for the check, with the
 * daemon's alpha share ({@link Decider#stepContext}), is asked at every interval about the <em>expected</em> counts of
 * the step so far (each arm's rate times the time, the baseline's 5xx rate and k times it for the canary), and the
 * first tick at which it says FAIL is the time. On expected counts the e-value follows its typical path, so this is
 * close to the median time to rollback; it counts the step alone, as if the regression began with it (evidence from
 * earlier steps only makes a real rollout faster).
 *
 * @param errorCheck the check the detection times are for; null when the policy has no error-rate comparison
 */
public record TrafficPlan(Policy policy, Traffic traffic, List<StepPlan> steps, String errorCheck) {

    /**
     * The traffic the plan is made for.
     *
     * @param rps           requests per second over both arms (what users send)
     * @param headerShare   share of requests carrying a header-route step's header
     * @param baseErrorRate the baseline's 5xx rate the regressions multiply
     */
    public record Traffic(double rps, double headerShare, double baseErrorRate) {
        public Traffic {
            if (!(rps > 0) || Double.isInfinite(rps)) throw new IllegalArgumentException("--rps must be a positive number, got " + rps);
            if (!(headerShare > 0 && headerShare <= 1)) throw new IllegalArgumentException("--header-share must be in (0, 1], got " + headerShare);
            if (!(baseErrorRate > 0 && baseErrorRate * MULTIPLES[MULTIPLES.length - 1] < 1)) {
                throw new IllegalArgumentException("--error-rate must be above 0 and below 0.2 (so 5x it is a rate), got " + baseErrorRate);
            }
        }
    }

    /** The regressions each step's detection time is given for: the canary's 5xx rate this many times the baseline's. */
    static final int[] MULTIPLES = {2, 5};

    /**
     * One step at that traffic.
     *
     * @param toMinRequests when the slower arm has served minRequests; null when the canary gets no requests
     * @param detect        per {@link #MULTIPLES}, when the check rolls the regression back; null when not within {@link #horizon}
     */
    public record StepPlan(int index, Step step, double baselineRps, double canaryRps, Duration toMinRequests, Duration earliestEnd,
                           List<Duration> detect) {}

    public static TrafficPlan of(Policy policy, CheckTypes checks, Traffic traffic) {
        CheckSpec errors = policy.checks().stream()
                .filter(c -> checks.of(c) instanceof Measure.Errors && checks.judge(c) instanceof AnytimeCountJudge).findFirst().orElse(null);
        AnytimeCountJudge judge = errors == null ? null : (AnytimeCountJudge) checks.judge(errors);
        List<StepPlan> plans = new ArrayList<>();
        for (int i = 0; i < policy.steps().size(); i++) {
            Step step = policy.steps().get(i);
            if (step.isPromotion()) break;
            if (step.isGate()) {
                // a pause serves the step before it and waits for a person: no rates, no end of its own
                plans.add(new StepPlan(i, step, 0, 0, null, null, List.of()));
                continue;
            }
            double canary = canaryRps(step, traffic), baseline = baselineRps(step, traffic);
            double slower = Math.min(canary, baseline);
            Duration toMin = slower <= 0 ? null : Duration.ofSeconds((long) Math.ceil(policy.minRequests() / slower));
            Duration end = toMin == null ? null : ticks(policy, max(toMin, step.minDuration()));
            List<Duration> detect = new ArrayList<>();
            for (int k : MULTIPLES) {
                detect.add(judge == null ? null : detection(judge, Decider.stepContext(policy, i), policy, baseline, canary,
                        traffic.baseErrorRate(), k));
            }
            plans.add(new StepPlan(i, step, baseline, canary, toMin, end, detect));
        }
        return new TrafficPlan(policy, traffic, plans, errors == null ? null : errors.name());
    }

    /** Requests per second the canary serves in {@code step}: its weight, the header's share, or the mirrored copies. */
    static double canaryRps(Step step, Traffic t) {
        return switch (step.kind()) {
            case WEIGHT -> t.rps() * step.canaryWeight() / 100.0;
            case HEADER_ROUTE -> t.rps() * t.headerShare();
            case MIRROR -> t.rps() * step.mirror() / 100.0;
            case PAUSE -> 0; // not planned: it holds the step before it
        };
    }

    /** Requests per second the baseline serves in {@code step}; a mirror leaves it all the traffic. */
    static double baselineRps(Step step, Traffic t) {
        return switch (step.kind()) {
            case WEIGHT -> t.rps() * (100 - step.canaryWeight()) / 100.0;
            case HEADER_ROUTE -> t.rps() * (1 - t.headerShare());
            case MIRROR -> t.rps();
            case PAUSE -> 0;
        };
    }

    /** How far a detection is looked for: no step runs longer. */
    static Duration horizon(Policy policy) {
        return Decider.longestStep(policy);
    }

    /** The first tick at which the judge fails the expected counts of a canary with k times the 5xx rate; null past the horizon. */
    static Duration detection(AnytimeCountJudge judge, StepContext ctx, Policy policy, double baselineRps, double canaryRps, double rate, int k) {
        if (baselineRps <= 0 || canaryRps <= 0) return null;
        long interval = Math.max(1, policy.interval().toSeconds());
        long last = Math.max(1, horizon(policy).toSeconds() / interval);
        // the e-value on expected counts grows with time: double up to the first failing tick, then bisect
        long lo = 0, hi = 1;
        while (!fails(judge, ctx, baselineRps, canaryRps, rate, k, hi * interval)) {
            if (hi >= last) return null;
            lo = hi;
            hi = Math.min(last, hi * 2);
        }
        while (hi - lo > 1) {
            long mid = (lo + hi) / 2;
            if (fails(judge, ctx, baselineRps, canaryRps, rate, k, mid * interval)) hi = mid; else lo = mid;
        }
        return Duration.ofSeconds(hi * interval);
    }

    private static boolean fails(AnytimeCountJudge judge, StepContext ctx, double baselineRps, double canaryRps, double rate, int k, long seconds) {
        long nb = Math.round(baselineRps * seconds), nc = Math.round(canaryRps * seconds);
        if (nb == 0 || nc == 0) return false;
        Observation expected = new Observation.Counts(new ArmCounts(nb, Math.round(rate * nb)), new ArmCounts(nc, Math.round(Math.min(1, k * rate) * nc)));
        return judge.assess(expected, ctx, JudgeMemory.EMPTY).outcome() == Outcome.FAIL;
    }

    /** {@code d} rounded up to the policy's interval: the daemon decides only at ticks. */
    private static Duration ticks(Policy policy, Duration d) {
        long interval = Math.max(1, policy.interval().toSeconds());
        return Duration.ofSeconds((d.toSeconds() + interval - 1) / interval * interval);
    }

    private static Duration max(Duration a, Duration b) {
        return b == null || a.compareTo(b) >= 0 ? a : b;
    }

    /** The heading: what traffic, and how the times were computed. */
    public String heading() {
        String source = policy.source() == null ? policy.key() : policy.source() + " (" + policy.key() + ")";
        return source + " at " + number(traffic.rps()) + " requests/s (header-route share " + percent(traffic.headerShare())
                + ", baseline 5xx " + percent(traffic.baseErrorRate()) + "); detection: " + (errorCheck == null
                ? "no error-rate comparison check"
                : "check '" + errorCheck + "' on the expected counts, the step alone, at its alpha share");
    }

    /** One line per step, plain numbers. */
    public List<String> lines() {
        List<String> lines = new ArrayList<>();
        for (StepPlan s : steps) {
            if (s.step().isGate()) {
                lines.add("  step " + (s.index() + 1) + " (" + s.step().describe() + "): waits for approval"
                        + (s.step().pause().duration() == null ? "" : " or " + format(s.step().pause().duration()))
                        + (policy.servedStep(s.index()) == null ? " before any traffic moves"
                        : ", holding the weights of " + policy.servedStep(s.index()).describe() + "; the checks go on (a failing one"
                        + " still rolls back)"));
                continue;
            }
            StringBuilder b = new StringBuilder("  step " + (s.index() + 1) + " (" + s.step().describe() + "): canary "
                    + number(s.canaryRps()) + "/s, baseline " + number(s.baselineRps()) + "/s; " + policy.minRequests() + " requests per arm ");
            b.append(s.toMinRequests() == null ? "never (no canary traffic)"
                    : "in " + format(s.toMinRequests()) + ", step ends after " + format(s.earliestEnd()));
            if (errorCheck != null) {
                for (int i = 0; i < MULTIPLES.length; i++) {
                    Duration d = s.detect().get(i);
                    b.append(i == 0 ? "; rollback of " : ", ").append(MULTIPLES[i]).append("x 5xx in ")
                            .append(d == null ? "more than " + format(horizon(policy)) : format(d));
                }
            }
            lines.add(b.toString());
        }
        return lines;
    }

    /** One line per step that cannot reach minRequests within maxStepDuration, naming the step and the field to change. */
    public List<String> warnings() {
        List<String> warnings = new ArrayList<>();
        String file = policy.source() == null ? policy.key() : policy.source().toString();
        for (StepPlan s : steps) {
            if (s.step().isGate()) continue;
            if (s.toMinRequests() != null && s.toMinRequests().compareTo(policy.maxStepDuration()) <= 0) continue;
            String takes = s.toMinRequests() == null ? "never comes (no canary traffic)" : "takes about " + format(s.toMinRequests());
            warnings.add("warning: " + file + ": spec.steps[" + s.index() + "] (" + s.step().describe() + "): minRequests ("
                    + policy.minRequests() + " per arm) " + takes + " at " + number(traffic.rps()) + " requests/s, longer than spec.maxStepDuration ("
                    + format(policy.maxStepDuration()) + "), so it will wait for data or pause (never roll back for it); raise the step's share,"
                    + " lower spec.minRequests or raise spec.maxStepDuration");
        }
        return warnings;
    }

    private static String format(Duration d) {
        return Durations.format(d.truncatedTo(ChronoUnit.SECONDS));
    }

    private static String number(double v) {
        return new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString();
    }

    private static String percent(double v) {
        return number(100 * v) + "%";
    }
}
