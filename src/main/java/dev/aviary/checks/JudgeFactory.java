package dev.aviary.checks;

import dev.aviary.analysis.AnytimeCountJudge;
import dev.aviary.analysis.Judge;
import dev.aviary.analysis.MannWhitneyJudge;
import dev.aviary.analysis.QuantileSloJudge;
import dev.aviary.analysis.SampleRatioGuard;
import dev.aviary.analysis.ThresholdJudge;
import dev.aviary.policy.CheckSpec;

/**
 * Maps a policy's check to the judge that decides it: the one place that knows both the policy's check types and
 * the statistics, so {@code analysis} stays free of policy types.
 */
public final class JudgeFactory {

    /** Kayenta's usual confidence for its Mann-Whitney classification. */
    public static final double MANN_WHITNEY_CONFIDENCE = 0.98;
    /** The quantile of the {@code istio-latency-p99} preset. */
    public static final double P99 = 0.99;

    private final AnytimeCountJudge.PassRule passRule;
    private final double concentration;

    /** Comparisons pass on {@link AnytimeCountJudge#DEFAULT_PASS_RULE} (see that class for why). */
    public JudgeFactory() {
        this(AnytimeCountJudge.DEFAULT_PASS_RULE);
    }

    public JudgeFactory(AnytimeCountJudge.PassRule passRule) {
        this(passRule, AnytimeCountJudge.DEFAULT_CONCENTRATION);
    }

    /** @param concentration the comparisons' mixture prior pseudo-count (see {@link AnytimeCountJudge}) */
    public JudgeFactory(AnytimeCountJudge.PassRule passRule, double concentration) {
        this.passRule = passRule;
        this.concentration = concentration;
    }

    public Judge create(CheckSpec spec) {
        return switch (spec.type()) {
            case COMPARISON -> new AnytimeCountJudge(spec.tolerance(), passRule, concentration, describe(spec));
            case THRESHOLD -> isQuantileSlo(spec)
                    ? new QuantileSloJudge(P99, spec.max(), spec.minSamples())
                    : new ThresholdJudge(spec.min(), spec.max(), spec.minSamples(), describe(spec));
            case MANN_WHITNEY -> new MannWhitneyJudge(MANN_WHITNEY_CONFIDENCE, describe(spec));
        };
    }

    /**
     * "p99 at or under max" on the Istio histogram: judged as an anytime-valid test on the share of requests
     * slower than max (see {@link QuantileSloJudge}) rather than as a threshold on the interpolated p99, which
     * fails identical canaries by chance when re-checked every interval. A p99 with a lower bound (an unusual
     * "not faster than") stays a plain threshold.
     */
    static boolean isQuantileSlo(CheckSpec spec) {
        return spec.preset() == CheckSpec.Preset.ISTIO_LATENCY_P99 && spec.max() != null && spec.min() == null;
    }

    /** The guard the controller runs on every step's request counts, next to the policy's checks. */
    public Judge sampleRatioGuard() {
        return new SampleRatioGuard();
    }

    /** What the check measures, in the words of its messages. */
    static String describe(CheckSpec spec) {
        if (spec.preset() == null) return spec.name();
        return switch (spec.preset()) {
            case ISTIO_ERROR_RATE -> "5xx rate";
            case ISTIO_SLOW_REQUESTS -> spec.slowerThan() == null ? "slow-request share"
                    : "share of requests slower than " + spec.slowerThan().toMillis() + " ms";
            case ISTIO_SUCCESS_RATE -> "success rate";
            case ISTIO_LATENCY_P99 -> "p99 latency";
        };
    }
}
