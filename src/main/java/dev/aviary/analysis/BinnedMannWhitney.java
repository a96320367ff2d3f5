package dev.aviary.analysis;

import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * The Mann-Whitney (Wilcoxon rank-sum) test on binned data: every bin is one group of ties. Normal approximation
 * with the ties correction and the continuity correction, as R's {@code wilcox.test(x, y, exact = FALSE,
 * correct = TRUE)} with x the canary and y the baseline. A fixed-horizon test: its p-value means nothing when
 * it is recomputed every tick and the first small one acts.
 */
public final class BinnedMannWhitney {

    private static final NormalDistribution STANDARD_NORMAL = new NormalDistribution(null, 0, 1);

    /**
     * @param w              R's W: pairs with canary &gt; baseline, plus half the tied pairs
     * @param z              the continuity-corrected z of the two-sided test
     * @param pTwoSided      R's p-value for alternative = "two.sided"
     * @param pGreater       R's p-value for alternative = "greater" (canary stochastically larger)
     * @param superiority    W / (n_canary n_baseline): P(canary &gt; baseline) + P(tie) / 2
     */
    public record Result(double w, long baselineCount, long canaryCount, double z, double pTwoSided, double pGreater, double superiority) {}

    private BinnedMannWhitney() {}

    public static Result test(long[] baseline, long[] canary) {
        if (baseline.length != canary.length) throw new IllegalArgumentException("both arms need the same bins");
        long ny = 0, nx = 0;
        for (int i = 0; i < baseline.length; i++) {
            ny += baseline[i];
            nx += canary[i];
        }
        if (nx == 0 || ny == 0) throw new IllegalArgumentException("both arms need observations");
        double n = (double) nx + ny;
        double rankSumCanary = 0, ties = 0, below = 0;
        for (int i = 0; i < baseline.length; i++) {
            double t = (double) baseline[i] + canary[i];
            if (t == 0) continue;
            double midRank = below + (t + 1) / 2;
            rankSumCanary += canary[i] * midRank;
            ties += t * t * t - t;
            below += t;
        }
        double w = rankSumCanary - (double) nx * (nx + 1) / 2;
        double mean = (double) nx * ny / 2;
        double sigma = Math.sqrt((double) nx * ny / 12 * ((n + 1) - ties / (n * (n - 1))));
        double d = w - mean;
        double z, pTwo, pGreater;
        if (sigma == 0) { // every observation in one bin: no evidence of a shift
            z = 0;
            pTwo = 1;
            pGreater = 1;
        } else {
            z = (d - Math.signum(d) * 0.5) / sigma;
            pTwo = Math.min(1, 2 * Math.min(STANDARD_NORMAL.cumulativeProbability(z), STANDARD_NORMAL.cumulativeProbability(-z)));
            pGreater = 1 - STANDARD_NORMAL.cumulativeProbability((d - 0.5) / sigma);
        }
        return new Result(w, ny, nx, z, pTwo, pGreater, w / ((double) nx * ny));
    }
}
