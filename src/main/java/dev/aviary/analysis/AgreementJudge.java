package dev.aviary.analysis;

import java.util.Locale;

/**
 * Judges a shadow comparison: the share of replayed requests on which the canary's answer agrees with the
 * baseline's, against the policy's {@code minAgreement}, with an anytime-valid confidence sequence
 * ({@link BernoulliRateSequence}).
 *
 * <p><b>Decision.</b> FAIL as soon as the confidence sequence's upper bound falls below {@code minAgreement} (the
 * e-value against "agreement &ge; minAgreement" reaches 1/alpha). PASS once the step has {@code minPairs} pairs and
 * the lower bound is at or above {@code minAgreement} (the e-value against "agreement &le; minAgreement" reaches
 * 1/alpha). Otherwise hold. NO_DATA, with the reason, when the step has no pair yet or an arm failed more than half
 * of the replays (its few answers are no sample of its behaviour); failed replays are never counted as agreement or
 * disagreement.
 *
 * <p><b>Error guarantee.</b> {@link StepContext#alpha()} is this check's budget for the whole rollout. A canary whose
 * true agreement is at least {@code minAgreement} is rolled back by this check with probability &le; alpha, and one
 * whose agreement is below {@code minAgreement} passes a step with probability &le; alpha, however many ticks and
 * steps there are (Ville's inequality on one e-process each). Two fixed models agree at the same rate whatever the
 * traffic split, so every pair of the rollout is one sample: the e-processes run over the pairs of all steps so far
 * (the completed steps' counts are kept in {@link JudgeMemory}), while {@code minPairs} counts the current step's, so
 * each step rests on fresh answers. The guarantee assumes each replay's agreement has the same probability given
 * the past, as when the payloads are drawn at random from a fixed set; the rate it is about is the agreement over
 * that set.
 */
public final class AgreementJudge implements Judge {

    /**
     * Total pseudo-count of the mixing prior centred on minAgreement, as for the other Beta mixtures: it spreads the
     * evidence over agreements a few points and tens of points off. Not tuned for agreement; the simulation's
     * numbers with it are in docs/decision-quality.md ("Shadow agreement").
     */
    public static final double DEFAULT_CONCENTRATION = 4;

    private final double minAgreement;
    private final long minPairs;
    private final BernoulliRateSequence sequence;

    /** The decision and the evidence behind it, without the (costlier) confidence bounds. */
    public record Assessment(Outcome outcome, double logEValueBelow, double logEValueAbove, String missing) {}

    /**
     * @param minAgreement the share of pairs that must agree, in (0, 1)
     * @param minPairs     pairs the current step must have before it may PASS
     */
    public AgreementJudge(double minAgreement, long minPairs) {
        this(minAgreement, minPairs, DEFAULT_CONCENTRATION);
    }

    public AgreementJudge(double minAgreement, long minPairs, double concentration) {
        if (!(minAgreement > 0 && minAgreement < 1)) throw new IllegalArgumentException("minAgreement must be in (0, 1)");
        this.minAgreement = minAgreement;
        this.minPairs = Math.max(1, minPairs);
        this.sequence = new BernoulliRateSequence(concentration);
    }

    public double minAgreement() {
        return minAgreement;
    }

    public long minPairs() {
        return minPairs;
    }

    /** The outcome alone (what the controller and the simulation act on); {@link #judge} adds bounds and words. */
    public Assessment assess(Observation observation, StepContext step, JudgeMemory memory) {
        String missing = missing(observation);
        if (missing != null) return new Assessment(Outcome.NO_DATA, 0, 0, missing);
        Observation.Pairs pairs = (Observation.Pairs) observation;
        long agreed = agreed(pairs, memory), disagreed = disagreed(pairs, memory);
        double below = sequence.logEValueBelow(agreed, disagreed, minAgreement);
        double above = sequence.logEValueAbove(agreed, disagreed, minAgreement);
        double threshold = Math.log(1 / step.alpha());
        Outcome outcome = below >= threshold ? Outcome.FAIL
                : pairs.compared() >= minPairs && above >= threshold ? Outcome.PASS : Outcome.INCONCLUSIVE;
        return new Assessment(outcome, below, above, null);
    }

    private static String missing(Observation observation) {
        if (observation instanceof Observation.Missing m) return m.reason();
        if (!(observation instanceof Observation.Pairs p)) return "expected pairs of answers, got " + observation.getClass().getSimpleName();
        ReplayFailures f = p.failures() == null ? ReplayFailures.NONE : p.failures();
        String failed = f.mostlyFailed();
        if (failed != null) return failed + "; fix the arm's endpoint or the payloads before its answers can be compared";
        if (p.compared() < 0 || p.agreed() < 0 || p.agreed() > p.compared()) {
            return "inconsistent counts: " + p.agreed() + " agreeing of " + p.compared() + " pairs";
        }
        if (p.compared() == 0) {
            return "no pairs of answers in this step yet" + (f.sent() > 0 ? " (" + f.describe() + ")" : "");
        }
        return null;
    }

    @Override
    public Verdict judge(String check, Observation observation, StepContext step, JudgeMemory memory) {
        Assessment a = assess(observation, step, memory);
        if (a.outcome() == Outcome.NO_DATA) return Verdict.noData(check, check + ": " + a.missing());
        Observation.Pairs pairs = (Observation.Pairs) observation;
        long agreed = agreed(pairs, memory), disagreed = disagreed(pairs, memory);
        double lower = sequence.lowerBound(agreed, disagreed, step.alpha());
        double upper = sequence.upperBound(agreed, disagreed, step.alpha());
        double share = (double) agreed / (agreed + disagreed);
        Evidence evidence = new Evidence(null, null, pairs.compared(), pairs.compared() - pairs.agreed(), share, lower, upper,
                Explain.exp(a.logEValueBelow()), null);
        return new Verdict(check, a.outcome(), message(a, pairs, agreed, disagreed, step, lower, upper), evidence, true);
    }

    private String message(Assessment a, Observation.Pairs pairs, long agreed, long disagreed, StepContext step,
                           double lower, double upper) {
        long total = agreed + disagreed;
        String head = "canary agrees with the baseline on " + Explain.percent((double) agreed / total) + " of "
                + count(total) + " pairs" + (total == pairs.compared() ? "" : " (" + count(pairs.compared()) + " in this step)");
        String conf = " with " + Explain.confidence(step.alpha()) + " confidence";
        String required = Explain.percent(minAgreement);
        String failures = pairs.failures() == null || pairs.failures().sent() == 0 ? "" : "; " + pairs.failures().describe();
        String e = "e-value " + Explain.number(Explain.exp(a.logEValueBelow())) + " vs " + Explain.number(1 / step.alpha());
        return switch (a.outcome()) {
            case FAIL -> head + ", agreement <= " + Explain.percent(upper) + conf + " (" + e + "), below the required "
                    + required + failures + ": rollback";
            case PASS -> head + ", agreement >= " + Explain.percent(lower) + conf + ", at least the required " + required
                    + failures + ": pass";
            default -> head + ", agreement in [" + Explain.percent(lower) + ", " + Explain.percent(upper) + "]" + conf
                    + (pairs.compared() < minPairs ? "; waiting for " + count(minPairs) + " pairs in the step (" + count(pairs.compared()) + " so far)"
                            : "; not yet shown to be at least " + required)
                    + failures + ": hold";
        };
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static long agreed(Observation.Pairs current, JudgeMemory memory) {
        return (long) memory.get("agreed", 0) + current.agreed();
    }

    private static long disagreed(Observation.Pairs current, JudgeMemory memory) {
        return (long) memory.get("disagreed", 0) + current.compared() - current.agreed();
    }

    /** Adds the step's final pairs to the rollout's, so later steps (and a restarted daemon) continue the sequence. */
    @Override
    public JudgeMemory endStep(Observation last, StepContext step, JudgeMemory memory) {
        if (missing(last) != null) return memory;
        Observation.Pairs p = (Observation.Pairs) last;
        return memory.with("agreed", agreed(p, memory)).with("disagreed", disagreed(p, memory));
    }
}
