package dev.aviary.analysis;

import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Prediction drift between the arms on the same replayed requests: does the canary predict the classes as often as
 * the baseline (chi-square test of homogeneity on the predicted-class counts), and are its scores distributed alike
 * (two-sample Kolmogorov-Smirnov on the top-1 probabilities, or on the numeric outputs)?
 *
 * <p><b>Fixed horizon.</b> These are classical tests, valid for one look at a sample size fixed in advance, not under
 * continuous monitoring; every verdict says so ({@link Verdict#anytimeValid()} is false). The step is decided at
 * {@code minPairs} pairs: before, it holds; from then on, KS reads exactly the first {@code minPairs} scores of each
 * arm, so its answer is the same at every later tick. The class counts arrive cumulative, so the chi-square test
 * reads the counts at the tick (at most one interval's pairs beyond {@code minPairs}); a step held past that by its
 * minDuration looks at them again, which is why it is not anytime-valid.
 *
 * <p><b>How alpha is spent.</b> The check's alpha is split evenly over the policy's steps (each step is one
 * fixed-horizon decision) and over the tests it runs (Bonferroni): a step FAILs when a p-value is below that share.
 * So with one look per step, a canary predicting exactly as the baseline does is rolled back with probability &le;
 * alpha. The two arms answer the same requests, so their predictions are positively correlated; the two-sample
 * tests assume independent samples and are then conservative (the difference between the arms varies less than
 * they allow for).
 */
public final class DriftJudge implements Judge {

    private final long minPairs;
    private final String what;

    /**
     * @param minPairs pairs at which each step is decided (the fixed horizon)
     * @param what     what is compared, in messages (e.g. "predictions")
     */
    public DriftJudge(long minPairs, String what) {
        this.minPairs = Math.max(2, minPairs);
        this.what = what;
    }

    public long minPairs() {
        return minPairs;
    }

    /** The tests' results at one tick. */
    public record Result(Outcome outcome, long pairs, Double chiSquareP, Double ksP, double level, String missing) {}

    public Result assess(Observation observation, StepContext step) {
        if (observation instanceof Observation.Missing m) return missing(m.reason());
        if (!(observation instanceof Observation.Predictions p)) {
            return missing("expected the arms' predictions, got " + observation.getClass().getSimpleName());
        }
        String failed = p.failures() == null ? null : p.failures().mostlyFailed();
        if (failed != null) return missing(failed + "; fix the arm's endpoint or the payloads before its answers can be compared");
        long pairs = Math.max(Math.min(p.baselineScores().length, p.canaryScores().length),
                Math.min(sum(p.baselineClasses()), sum(p.canaryClasses())));
        if (pairs == 0) return missing("no pairs of answers in this step yet");
        boolean classes = !p.baselineClasses().isEmpty() || !p.canaryClasses().isEmpty();
        boolean scores = p.baselineScores().length > 0 && p.canaryScores().length > 0;
        int tests = (classes ? 1 : 0) + (scores ? 1 : 0);
        double level = step.alpha() / Math.max(1, step.stepCount()) / Math.max(1, tests);
        if (pairs < minPairs) return new Result(Outcome.INCONCLUSIVE, pairs, null, null, level, null);
        Double chi = classes ? chiSquareP(p.baselineClasses(), p.canaryClasses()) : null;
        Double ks = null;
        if (scores && p.baselineScores().length >= minPairs && p.canaryScores().length >= minPairs) {
            ks = kolmogorovSmirnovP(Arrays.copyOf(p.baselineScores(), (int) minPairs), Arrays.copyOf(p.canaryScores(), (int) minPairs));
        } else if (scores) {
            return new Result(Outcome.INCONCLUSIVE, pairs, chi, null, level, null);
        }
        boolean drift = (chi != null && chi < level) || (ks != null && ks < level);
        return new Result(drift ? Outcome.FAIL : Outcome.PASS, pairs, chi, ks, level, null);
    }

    private static Result missing(String why) {
        return new Result(Outcome.NO_DATA, 0, null, null, 0, why);
    }

    @Override
    public Verdict judge(String check, Observation observation, StepContext step, JudgeMemory memory) {
        Result r = assess(observation, step);
        if (r.outcome() == Outcome.NO_DATA) return Verdict.noData(check, check + ": " + r.missing());
        List<String> tests = new ArrayList<>();
        if (r.chiSquareP() != null) tests.add("predicted classes: chi-square p = " + Explain.number(r.chiSquareP()));
        if (r.ksP() != null) tests.add("scores: Kolmogorov-Smirnov p = " + Explain.number(r.ksP()));
        String head = "canary " + what + " vs baseline on " + String.format(Locale.ROOT, "%,d", r.pairs()) + " pairs";
        String level = "level " + Explain.number(r.level());
        String message = switch (r.outcome()) {
            case FAIL -> head + ", " + String.join(", ", tests) + ", below " + level + ": the distributions differ: rollback";
            case PASS -> head + ", " + String.join(", ", tests) + ", none below " + level + ": pass";
            default -> head + "; waiting for " + String.format(Locale.ROOT, "%,d", minPairs) + " pairs before it decides: hold";
        };
        Double p = r.chiSquareP();
        if (r.ksP() != null) p = p == null ? r.ksP() : Double.valueOf(Math.min(p, r.ksP()));
        Evidence e = new Evidence(null, null, r.pairs(), null, null, null, null, null, p);
        return new Verdict(check, r.outcome(), message + " [fixed-horizon test at " + String.format(Locale.ROOT, "%,d", minPairs)
                + " pairs, not valid under continuous monitoring]", e, false);
    }

    /**
     * Chi-square test of homogeneity of two count vectors over the union of their classes; 1 when fewer than two
     * classes were predicted at all (nothing can differ).
     */
    static double chiSquareP(Map<String, Long> baseline, Map<String, Long> canary) {
        TreeSet<String> classes = new TreeSet<>(baseline.keySet());
        classes.addAll(canary.keySet());
        List<long[]> rows = new ArrayList<>();
        for (String c : classes) {
            long b = baseline.getOrDefault(c, 0L), k = canary.getOrDefault(c, 0L);
            if (b + k > 0) rows.add(new long[] {b, k});
        }
        if (rows.size() < 2 || sum(baseline) == 0 || sum(canary) == 0) return 1;
        long[] b = rows.stream().mapToLong(r -> r[0]).toArray();
        long[] k = rows.stream().mapToLong(r -> r[1]).toArray();
        return new ChiSquareTest().chiSquareTestDataSetsComparison(b, k);
    }

    /**
     * Two-sample Kolmogorov-Smirnov p-value, P(D &ge; d) (exact for small samples, asymptotic beyond). Not strict:
     * commons-math's strict variant is P(D &gt; d), which is 0 for fully separated samples.
     */
    static double kolmogorovSmirnovP(double[] baseline, double[] canary) {
        return new KolmogorovSmirnovTest().kolmogorovSmirnovTest(baseline, canary, false);
    }

    private static long sum(Map<String, Long> counts) {
        long s = 0;
        for (long v : counts.values()) s += v;
        return s;
    }
}
