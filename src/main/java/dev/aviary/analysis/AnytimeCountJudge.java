package dev.aviary.analysis;

import java.util.ArrayList;
import java.util.List;

/**
 * Compares the rate of a bad event (5xx, slow request...) between canary and baseline with an anytime-valid
 * e-process and a confidence sequence on the rate ratio canary/baseline.
 *
 * <p><b>Method.</b> Each step has a fresh e-process ({@link StepCounts}): for rare events the Beta mixture Bayes
 * factor on which arm each bad event falls in (Lindon &amp; Malek 2022); for common events a two-sample Bernoulli
 * mixture. The regime of a step is chosen from the baseline rate of <em>earlier</em> steps (the first step is
 * rare), never from the step's own data, so the choice is predictable and cannot inflate the error.
 *
 * <p><b>How alpha is spent.</b> {@link StepContext#alpha()} is this check's budget for the whole rollout. The
 * e-values of successive steps multiply (each is a test supermartingale on fresh data given the past), so the
 * product over completed steps times the running e-value of the current step is one test supermartingale for the
 * whole rollout. FAIL when it reaches 1/alpha against "ratio &le; 1 + tolerance": by Ville's inequality a canary
 * that is within tolerance is rolled back with probability &le; alpha, however many ticks and steps there are.
 * No alpha is split across steps or ticks. The same family of e-values, inverted over the ratio, gives the
 * confidence sequence whose bounds are reported (lower bound &gt; 1 + tolerance is exactly FAIL). The carried
 * state is the final counts of each completed step, in {@link JudgeMemory}.
 *
 * <p><b>When it passes.</b> Nothing passes before {@code minRequests} requests per arm in the step. Then
 * {@link PassRule#SHOWN_WITHIN_TOLERANCE} passes only when the upper bound is below 1 + tolerance (the canary is
 * shown to be no worse than the tolerance, also at level alpha). That needs many bad events: proving a 1% error
 * rate is within 10% of the baseline's takes on the order of 10^5 canary requests, so with typical traffic a good
 * canary would never be promoted. {@link PassRule#NO_EVIDENCE_OF_HARM} passes once the minimum evidence is in
 * and FAIL has not been reached; its error control is on rollbacks, and its power against bad canaries is
 * measured by {@code aviary simulate}. It lets a canary whose evidence of harm is large but short of 1/alpha
 * (e-value 36 against 300) advance to more traffic. {@link PassRule#HARM_EVIDENCE_BELOW_HALFWAY} (the default,
 * {@link #DEFAULT_PASS_RULE}) also holds the step while the e-value is at or above sqrt(1/alpha): in the
 * simulation it promotes good canaries as fast and catches more doubled error rates (docs/decision-quality.md).
 * Holding never spends alpha: a held step either passes later, fails on evidence, or meets maxStepDuration.
 *
 * <p><b>Header routes.</b> A header-route step sends the canary only the requests that carry the header (a team,
 * a test client, a customer group), whose inputs may be harder or easier than everyone's: the comparison with the
 * baseline, which serves everyone else, is confounded by who is asking. So a header-route step's e-value tests
 * "ratio &le; (1 + tolerance) x {@code headerRouteAllowance}" (and its bounds are widened alike): a canary is rolled
 * back there only when it is worse than any plausible difference of population explains. Steps that split everyone
 * alike (weights, mirrors) keep the plain null; the product over steps stays a test supermartingale under "each
 * step's ratio is within its own null" (see docs/decision-quality.md, "Robust defaults").
 */
public final class AnytimeCountJudge implements Judge {

    /** What PASS requires besides {@code minRequests} per arm. */
    public enum PassRule {
        /** The confidence sequence's upper bound is below 1 + tolerance. */
        SHOWN_WITHIN_TOLERANCE,
        /** The e-process has not rejected "ratio &le; 1 + tolerance" (no FAIL). */
        NO_EVIDENCE_OF_HARM,
        /**
         * No FAIL, and the rollout's e-value against "ratio &le; 1 + tolerance" is below 1: the data so far do not
         * favour harm (a canary whose evidence of harm is growing but has not reached 1/alpha holds its step).
         */
        DATA_DO_NOT_FAVOUR_HARM,
        /**
         * No FAIL, and the rollout's e-value against "ratio &le; 1 + tolerance" is below sqrt(1/alpha): the
         * evidence of harm is less than halfway (on the log scale) to a rollback.
         */
        HARM_EVIDENCE_BELOW_HALFWAY,
        /** No FAIL, and the step's point estimate of the ratio is at most 1 + tolerance. */
        ESTIMATE_WITHIN_TOLERANCE
    }

    /** The pass rule of {@link #AnytimeCountJudge(double)} and of the daemon; measured in docs/decision-quality.md. */
    public static final PassRule DEFAULT_PASS_RULE = PassRule.HARM_EVIDENCE_BELOW_HALFWAY;
    /** Total pseudo-count of the rare-event Beta prior, centred on the arm's share; tuned in the A/A and 1:5 runs. */
    public static final double DEFAULT_CONCENTRATION = 4;
    /** Baseline bad-event rate of earlier steps from which a step uses the common-event regime. */
    public static final double COMMON_RATE = 0.25;
    /** How many times worse a header route's users may fail for who they are; measured in docs/decision-quality.md. */
    public static final double DEFAULT_HEADER_ROUTE_ALLOWANCE = 2.5;
    /** The variance the rare-event test allows for, in multiples of the binomial's; measured in docs/decision-quality.md. */
    public static final double DEFAULT_DISPERSION = 1.5;

    private final double tolerance;
    private final PassRule passRule;
    private final double concentration;
    private final double headerRouteAllowance;
    private final double dispersion;
    private final String what;

    /** The decision and the evidence behind it, without the (costlier) confidence bounds. */
    public record Assessment(Outcome outcome, double logEValueAbove, double logEValueBelow, String missing) {}

    /** @param tolerance how much worse the canary's rate may be, as a fraction (0.10 = 10%) */
    public AnytimeCountJudge(double tolerance) {
        this(tolerance, DEFAULT_PASS_RULE, DEFAULT_CONCENTRATION, "bad-event rate");
    }

    public AnytimeCountJudge(double tolerance, PassRule passRule, double concentration, String what) {
        this(tolerance, passRule, concentration, DEFAULT_HEADER_ROUTE_ALLOWANCE, DEFAULT_DISPERSION, what);
    }

    /**
     * @param tolerance     how much worse the canary's rate may be, as a fraction (0.10 = 10%)
     * @param passRule      what PASS requires (see class comment)
     * @param concentration total pseudo-count of the rare-event mixture prior
     * @param headerRouteAllowance how many times worse a header route's users may fail for who they are (1: none)
     * @param what          the rate's name in messages ("5xx rate", "share of requests slower than 250 ms")
     */
    public AnytimeCountJudge(double tolerance, PassRule passRule, double concentration, double headerRouteAllowance, String what) {
        this(tolerance, passRule, concentration, headerRouteAllowance, DEFAULT_DISPERSION, what);
    }

    /** @param dispersion the variance of bad-event counts the test allows for, in multiples of the binomial's (1: none) */
    public AnytimeCountJudge(double tolerance, PassRule passRule, double concentration, double headerRouteAllowance, double dispersion,
                             String what) {
        if (!(dispersion >= 1)) throw new IllegalArgumentException("dispersion must be >= 1");
        this.dispersion = dispersion;
        if (!(tolerance >= 0)) throw new IllegalArgumentException("tolerance must be >= 0");
        if (!(concentration > 0)) throw new IllegalArgumentException("concentration must be > 0");
        if (!(headerRouteAllowance >= 1)) throw new IllegalArgumentException("headerRouteAllowance must be >= 1");
        this.tolerance = tolerance;
        this.passRule = passRule;
        this.concentration = concentration;
        this.headerRouteAllowance = headerRouteAllowance;
        this.what = what;
    }

    public double tolerance() {
        return tolerance;
    }

    public PassRule passRule() {
        return passRule;
    }

    /** The outcome alone (what the controller acts on); {@link #judge} adds bounds and words. */
    public Assessment assess(Observation observation, StepContext step, JudgeMemory memory) {
        if (!(observation instanceof Observation.Counts counts)) {
            String why = observation instanceof Observation.Missing m ? m.reason() : "expected request counts, got " + observation.getClass().getSimpleName();
            return new Assessment(Outcome.NO_DATA, 0, 0, why);
        }
        if (counts.baseline().total() == 0) return new Assessment(Outcome.NO_DATA, 0, 0, "no baseline requests in this step yet");
        if (counts.canary().total() == 0) return new Assessment(Outcome.NO_DATA, 0, 0, "no canary requests in this step yet");
        List<StepCounts> steps = steps(counts, step, memory);
        double r0 = 1 + tolerance;
        double above = 0, below = 0;
        for (StepCounts s : steps) {
            above += s.logEValueAbove(r0, concentration);
            below += s.logEValueBelow(r0, concentration);
        }
        double threshold = Math.log(1 / step.alpha());
        Outcome outcome;
        if (above >= threshold) outcome = Outcome.FAIL;
        else if (!enoughRequests(counts, step)) outcome = Outcome.INCONCLUSIVE;
        else outcome = passes(counts.baseline(), counts.canary(), above, below, threshold) ? Outcome.PASS : Outcome.INCONCLUSIVE;
        return new Assessment(outcome, above, below, null);
    }

    /** The pass rule's condition, once FAIL is ruled out and the minimum requests are in. */
    private boolean passes(ArmCounts b, ArmCounts c, double logEAbove, double logEBelow, double threshold) {
        return switch (passRule) {
            case NO_EVIDENCE_OF_HARM -> true;
            case SHOWN_WITHIN_TOLERANCE -> logEBelow >= threshold;
            case DATA_DO_NOT_FAVOUR_HARM -> logEAbove < 0;
            case HARM_EVIDENCE_BELOW_HALFWAY -> logEAbove < threshold / 2;
            // c.bad/c.total <= (1 + tolerance) b.bad/b.total, multiplied out so a baseline without bad events works
            case ESTIMATE_WITHIN_TOLERANCE -> (double) c.bad() * b.total() <= (1 + tolerance) * b.bad() * c.total();
        };
    }

    @Override
    public Verdict judge(String check, Observation observation, StepContext step, JudgeMemory memory) {
        Assessment a = assess(observation, step, memory);
        if (a.outcome() == Outcome.NO_DATA) return Verdict.noData(check, check + ": " + a.missing());
        Observation.Counts counts = (Observation.Counts) observation;
        List<StepCounts> steps = steps(counts, step, memory);
        double lower = ConfidenceSequence.lowerBound(r -> sum(steps, r, true), step.alpha());
        double upper = ConfidenceSequence.upperBound(r -> sum(steps, r, false), step.alpha());
        ArmCounts b = counts.baseline(), c = counts.canary();
        double estimate = c.rate() / b.rate();
        Evidence evidence = Evidence.counts(b, c).withEstimate(estimate, lower, upper).withEValue(Explain.exp(a.logEValueAbove()));
        return new Verdict(check, a.outcome(), message(a, counts, step, lower, upper), evidence, true);
    }

    private String message(Assessment a, Observation.Counts counts, StepContext step, double lower, double upper) {
        ArmCounts b = counts.baseline(), c = counts.canary();
        String conf = Explain.confidence(step.alpha());
        String head = "canary " + what + " " + Explain.percent(c.rate()) + " vs " + Explain.percent(b.rate())
                + " (" + c.bad() + "/" + c.total() + " vs " + b.bad() + "/" + b.total() + ")";
        String limit = Explain.number(1 + tolerance);
        String e = "e-value " + Explain.number(Explain.exp(a.logEValueAbove())) + " vs " + Explain.number(1 / step.alpha());
        return switch (a.outcome()) {
            case FAIL -> head + ", ratio >= " + Explain.number(lower) + " with " + conf + " confidence (" + e
                    + "), above the allowed " + limit + ": rollback";
            case PASS -> passRule == PassRule.SHOWN_WITHIN_TOLERANCE || upper < 1 + tolerance
                    ? head + ", ratio <= " + Explain.number(upper) + " with " + conf + " confidence, within the allowed " + limit + ": pass"
                    : head + ", ratio in [" + Explain.number(lower) + ", " + Explain.number(upper) + "] with " + conf
                            + " confidence; " + passReason(e) + " after " + step.minRequests() + "+ requests per arm: pass";
            default -> head + ", ratio in [" + Explain.number(lower) + ", " + Explain.number(upper) + "] with " + conf + " confidence"
                    + (enoughRequests(counts, step) ? ", " + holdReason(e, limit)
                            : "; waiting for " + step.minRequests() + " requests per arm (" + Math.min(b.total(), c.total()) + " so far)")
                    + ": hold";
        };
    }

    private String passReason(String e) {
        String limit = Explain.number(1 + tolerance);
        return switch (passRule) {
            case DATA_DO_NOT_FAVOUR_HARM -> "the data do not favour a ratio above " + limit + " (" + e + ", below 1)";
            case ESTIMATE_WITHIN_TOLERANCE -> "the estimate is within " + limit + " and there is no evidence it exceeds it (" + e + ")";
            case HARM_EVIDENCE_BELOW_HALFWAY -> "the evidence of a ratio above " + limit + " is less than halfway to a rollback (" + e + ")";
            default -> "no evidence it exceeds " + limit + " (" + e + ")";
        };
    }

    private String holdReason(String e, String limit) {
        return switch (passRule) {
            case DATA_DO_NOT_FAVOUR_HARM -> "the data lean towards a ratio above " + limit + " (" + e + ", at least 1)";
            case ESTIMATE_WITHIN_TOLERANCE -> "the estimate is above the allowed " + limit;
            case HARM_EVIDENCE_BELOW_HALFWAY -> "the evidence of a ratio above " + limit + " is over halfway to a rollback (" + e + ")";
            default -> "not yet shown within " + limit;
        };
    }

    private static boolean enoughRequests(Observation.Counts counts, StepContext step) {
        return counts.baseline().total() >= step.minRequests() && counts.canary().total() >= step.minRequests();
    }

    private double sum(List<StepCounts> steps, double ratio, boolean above) {
        double s = 0;
        for (StepCounts step : steps) s += above ? step.logEValueAbove(ratio, concentration) : step.logEValueBelow(ratio, concentration);
        return s;
    }

    /** Completed steps from memory, then the current one with its predictable regime and its allowance. */
    private List<StepCounts> steps(Observation.Counts current, StepContext step, JudgeMemory memory) {
        List<StepCounts> steps = new ArrayList<>(completedSteps(memory).stream().map(s -> s.withDispersion(dispersion)).toList());
        steps.add(new StepCounts(current.baseline(), current.canary(), nextRegime(steps), allowance(step), dispersion));
        return steps;
    }

    /** The population allowance of a step: a header route's (the routing does not split everyone alike), else 1. */
    double allowance(StepContext step) {
        return Double.isNaN(step.expectedCanaryShare()) ? headerRouteAllowance : 1;
    }

    static StepCounts.Regime nextRegime(List<StepCounts> completed) {
        long bad = 0, total = 0;
        for (StepCounts s : completed) {
            bad += s.baseline().bad();
            total += s.baseline().total();
        }
        return total >= 100 && (double) bad / total >= COMMON_RATE ? StepCounts.Regime.COMMON : StepCounts.Regime.RARE;
    }

    static List<StepCounts> completedSteps(JudgeMemory memory) {
        int n = (int) memory.get("steps", 0);
        List<StepCounts> steps = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String k = "s" + i + ".";
            steps.add(new StepCounts(
                    new ArmCounts((long) memory.get(k + "bt", 0), (long) memory.get(k + "bb", 0)),
                    new ArmCounts((long) memory.get(k + "ct", 0), (long) memory.get(k + "cb", 0)),
                    memory.get(k + "common", 0) > 0 ? StepCounts.Regime.COMMON : StepCounts.Regime.RARE,
                    Math.max(1, memory.get(k + "allowance", 1))));
        }
        return steps;
    }

    /**
     * Keeps the step's final counts (a handful of numbers per step) so later steps multiply its e-value in, also
     * after a restart. A step without data for both arms adds nothing.
     */
    @Override
    public JudgeMemory endStep(Observation last, StepContext step, JudgeMemory memory) {
        if (!(last instanceof Observation.Counts counts) || counts.baseline().total() == 0 || counts.canary().total() == 0) return memory;
        List<StepCounts> completed = completedSteps(memory);
        StepCounts.Regime regime = nextRegime(completed);
        int i = completed.size();
        String k = "s" + i + ".";
        return memory.with(k + "bt", counts.baseline().total()).with(k + "bb", counts.baseline().bad())
                .with(k + "ct", counts.canary().total()).with(k + "cb", counts.canary().bad())
                .with(k + "common", regime == StepCounts.Regime.COMMON ? 1 : 0)
                .with(k + "allowance", allowance(step))
                .with("steps", i + 1);
    }
}
