package dev.aviary.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An absolute quantile SLO ("the canary's p99 stays at or under 400 ms") judged as an anytime-valid test instead
 * of a threshold on a noisy estimate.
 *
 * <p><b>Why not a threshold.</b> A histogram-interpolated p99 of a few hundred requests, compared with its bound
 * every 30 s, crosses the bound by chance sooner or later: a canary identical to the baseline gets rolled back,
 * and no error rate is guaranteed. "p99 &le; max" is the same statement as "the share p of requests slower than
 * max is &le; 1%", and that share is a count, which can be tested with a known error rate.
 *
 * <p><b>Method.</b> H0: p &le; p0 = 1 - quantile, on the canary's own requests. Each step's e-value is a mixture
 * of likelihood ratios (p1/p0)^above ((1-p1)/(1-p0))^below over alternatives p1 &gt; p0, the mixing law being a
 * Beta prior centred on p0 and truncated to (p0, 1) ({@link BetaBinomialMixture#logBayesFactorAbove}). Each such
 * ratio is a supermartingale under every p &le; p0 (each request multiplies it by a factor of expectation
 * &le; 1), and so is their average; it depends on the cumulative counts only, so it may be looked at after every
 * tick. With the prior's concentration of 4 the truncated prior is close to log-uniform over p1 from p0 to about
 * 0.25: it has mass on small and on gross violations alike.
 *
 * <p><b>How alpha is spent.</b> As in {@link AnytimeCountJudge}: each step runs a fresh mixture on its own
 * requests, the e-values of successive steps multiply (each is a supermartingale on fresh data given the past),
 * and FAIL comes when the product reaches 1/{@link StepContext#alpha()}. By Ville's inequality a canary whose
 * share of slow requests stays at or below 1 - quantile is rolled back with probability &le; alpha over the
 * whole rollout. The carried state is each completed step's final counts, in {@link JudgeMemory}.
 *
 * <p><b>When it passes.</b> Once the step has {@code minSamples} canary requests and no FAIL (the pass
 * philosophy of {@link AnytimeCountJudge.PassRule#NO_EVIDENCE_OF_HARM}). Showing that a share is below 1% with
 * 99%+ confidence would take several thousand requests per step even for a canary with no slow request at all.
 *
 * <p>The bound is counted as Prometheus counts it: requests in histogram buckets above {@code maxMs}. When
 * {@code maxMs} is not a bucket bound the source can only count from the next bound up, which loosens the SLO;
 * policies should put {@code max} on a bucket bound.
 */
public final class QuantileSloJudge implements Judge {

    /** Total pseudo-count of the mixing prior (see class comment for what it implies). */
    public static final double DEFAULT_CONCENTRATION = 4;

    private final double quantile;
    private final double maxMs;
    private final long minSamples;
    private final double concentration;

    /** The decision and the evidence behind it, without the (costlier) confidence bounds. */
    public record Assessment(Outcome outcome, double logEValue, String missing) {}

    /**
     * @param quantile   the quantile of the SLO, e.g. 0.99 for p99
     * @param maxMs      the bound the quantile must stay at or under, in ms
     * @param minSamples canary requests the step must have before it may PASS
     */
    public QuantileSloJudge(double quantile, double maxMs, long minSamples) {
        this(quantile, maxMs, minSamples, DEFAULT_CONCENTRATION);
    }

    /** @param concentration total pseudo-count of the mixing prior centred on 1 - quantile */
    public QuantileSloJudge(double quantile, double maxMs, long minSamples, double concentration) {
        if (!(quantile > 0 && quantile < 1)) throw new IllegalArgumentException("quantile must be in (0, 1)");
        if (!(maxMs > 0)) throw new IllegalArgumentException("the bound must be > 0 ms");
        if (!(concentration > 0)) throw new IllegalArgumentException("concentration must be > 0");
        this.quantile = quantile;
        this.maxMs = maxMs;
        this.minSamples = Math.max(0, minSamples);
        this.concentration = concentration;
    }

    public double quantile() {
        return quantile;
    }

    public double maxMs() {
        return maxMs;
    }

    public long minSamples() {
        return minSamples;
    }

    /** The largest share of requests that may exceed the bound: 1 - quantile. */
    public double allowedShare() {
        return 1 - quantile;
    }

    /**
     * log of one step's e-value against "share of requests above the bound &le; {@code nullShare}".
     *
     * @param total requests in the step
     * @param above of those, requests above the bound
     */
    public double logEValue(long total, long above, double nullShare) {
        if (total <= 0) return 0;
        return BetaBinomialMixture.centredOn(nullShare, concentration).logBayesFactorAbove(above, total - above, nullShare);
    }

    /** log e-value against "share &ge; {@code nullShare}" (the mirror image, for the upper confidence bound). */
    double logEValueBelow(long total, long above, double nullShare) {
        if (total <= 0) return 0;
        return BetaBinomialMixture.centredOn(nullShare, concentration).logBayesFactorBelow(above, total - above, nullShare);
    }

    /** The outcome alone (what the controller acts on); {@link #judge} adds bounds and words. */
    public Assessment assess(Observation observation, StepContext step, JudgeMemory memory) {
        if (!(observation instanceof Observation.Exceedances ex)) {
            String why = observation instanceof Observation.Missing m ? m.reason()
                    : "expected counts of requests above the bound, got " + observation.getClass().getSimpleName();
            return new Assessment(Outcome.NO_DATA, 0, why);
        }
        if (ex.total() <= 0) return new Assessment(Outcome.NO_DATA, 0, "no canary requests in this step yet");
        if (ex.above() < 0 || ex.above() > ex.total()) {
            return new Assessment(Outcome.NO_DATA, 0, "inconsistent counts: " + ex.above() + " of " + ex.total() + " requests above the bound");
        }
        if (Double.isNaN(ex.estimate())) return new Assessment(Outcome.NO_DATA, 0, "the quantile estimate is NaN (no requests in the window?)");
        double log = 0;
        for (long[] s : steps(ex, memory)) log += logEValue(s[0], s[1], allowedShare());
        Outcome outcome = log >= Math.log(1 / step.alpha()) ? Outcome.FAIL
                : ex.total() >= minSamples ? Outcome.PASS : Outcome.INCONCLUSIVE;
        return new Assessment(outcome, log, null);
    }

    @Override
    public Verdict judge(String check, Observation observation, StepContext step, JudgeMemory memory) {
        Assessment a = assess(observation, step, memory);
        if (a.outcome() == Outcome.NO_DATA) return Verdict.noData(check, check + ": " + a.missing());
        Observation.Exceedances ex = (Observation.Exceedances) observation;
        List<long[]> steps = steps(ex, memory);
        double lower = lowerBound(steps, step.alpha());
        double upper = upperBound(steps, step.alpha());
        double e = Explain.exp(a.logEValue());
        // estimate = the quantile in ms, as a threshold check reported it; the share's bounds (another unit) are
        // in the message, the counts behind them in canaryTotal / canaryBad
        Evidence evidence = new Evidence(null, null, ex.total(), ex.above(), ex.estimate(), null, null, e, null);
        return new Verdict(check, a.outcome(), message(a.outcome(), ex, step, e, lower, upper), evidence, true);
    }

    private String message(Outcome outcome, Observation.Exceedances ex, StepContext step, double e, double lower, double upper) {
        String bound = Explain.number(maxMs) + " ms";
        String head = "canary " + name() + " " + Explain.number(ex.estimate()) + " ms; "
                + Explain.percent((double) ex.above() / ex.total()) + " of " + String.format(Locale.ROOT, "%,d", ex.total())
                + " requests slower than " + bound + " (allowed " + Explain.percent(allowedShare()) + ")";
        String conf = " with " + Explain.confidence(step.alpha()) + " confidence";
        String eValue = "e-value " + Explain.number(e);
        String threshold = Explain.number(1 / step.alpha());
        return switch (outcome) {
            case FAIL -> head + ", share >= " + Explain.percent(lower) + conf + ", " + eValue + " >= " + threshold + ": rollback";
            case PASS -> head + ", share <= " + Explain.percent(upper) + conf + ", " + eValue + " < " + threshold
                    + " after " + String.format(Locale.ROOT, "%,d", minSamples) + "+ requests: pass";
            default -> head + ", " + eValue + " < " + threshold + "; waiting for " + String.format(Locale.ROOT, "%,d", minSamples)
                    + " requests (" + String.format(Locale.ROOT, "%,d", ex.total()) + " so far): hold";
        };
    }

    /** "p99", "p99.9", "p50". */
    private String name() {
        double p = 100 * quantile;
        return "p" + (Math.abs(p - Math.rint(p)) < 1e-9 ? String.format(Locale.ROOT, "%.0f", p) : String.format(Locale.ROOT, "%.4g", p));
    }

    /**
     * Time-uniform confidence bounds on the share, by inverting the same family of e-values over the null share
     * (a share stays in the set while the e-value against it is below 1/alpha). Searched on the logit scale.
     */
    private double lowerBound(List<long[]> steps, double alpha) {
        double threshold = Math.log(1 / alpha);
        double lo = -16, hi = 16; // logit of the share
        if (!(sum(steps, expit(lo), true) >= threshold)) return 0;
        for (int i = 0; i < 50; i++) {
            double mid = 0.5 * (lo + hi);
            if (sum(steps, expit(mid), true) >= threshold) lo = mid; else hi = mid;
        }
        return expit(lo);
    }

    private double upperBound(List<long[]> steps, double alpha) {
        double threshold = Math.log(1 / alpha);
        double lo = -16, hi = 16;
        if (!(sum(steps, expit(hi), false) >= threshold)) return 1;
        for (int i = 0; i < 50; i++) {
            double mid = 0.5 * (lo + hi);
            if (sum(steps, expit(mid), false) >= threshold) hi = mid; else lo = mid;
        }
        return expit(hi);
    }

    private double sum(List<long[]> steps, double share, boolean above) {
        double s = 0;
        for (long[] st : steps) s += above ? logEValue(st[0], st[1], share) : logEValueBelow(st[0], st[1], share);
        return s;
    }

    private static double expit(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** Completed steps' {total, above} from memory, then the current step's. */
    private static List<long[]> steps(Observation.Exceedances current, JudgeMemory memory) {
        int n = (int) memory.get("steps", 0);
        List<long[]> steps = new ArrayList<>(n + 1);
        for (int i = 0; i < n; i++) steps.add(new long[] {(long) memory.get("s" + i + ".n", 0), (long) memory.get("s" + i + ".x", 0)});
        steps.add(new long[] {current.total(), current.above()});
        return steps;
    }

    /** Keeps the step's final counts so later steps multiply its e-value in, also after a restart. */
    @Override
    public JudgeMemory endStep(Observation last, StepContext step, JudgeMemory memory) {
        if (!(last instanceof Observation.Exceedances ex) || ex.total() <= 0 || ex.above() < 0 || ex.above() > ex.total()) return memory;
        int i = (int) memory.get("steps", 0);
        return memory.with("s" + i + ".n", ex.total()).with("s" + i + ".x", ex.above()).with("steps", i + 1);
    }
}
