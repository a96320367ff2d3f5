package dev.aviary.checks.shadow;

import dev.aviary.analysis.DriftJudge;
import dev.aviary.analysis.Judge;
import dev.aviary.checks.CheckInput;
import dev.aviary.checks.CheckType;
import dev.aviary.checks.JudgeSettings;
import dev.aviary.metrics.Measure;
import dev.aviary.policy.CheckSpec;

/**
 * {@code type: prediction-drift}: whether the canary predicts the classes as often as the baseline, and with
 * scores distributed alike, on the same replayed requests ({@link DriftJudge}: chi-square and Kolmogorov-Smirnov,
 * fixed-horizon at {@code minPairs}).
 *
 * <pre>
 * - name: drift
 *   type: prediction-drift
 *   minPairs: 500         # the fixed horizon: each step is decided once it has this many pairs (default 500)
 *   source: {replay: {...}}   # replay only: Prometheus counts carry no predictions; see SourceSpec
 * </pre>
 *
 * The default horizon is larger than shadow-agreement's: a two-sample test on a few hundred answers only sees
 * gross shifts (KS at 500 per arm detects a shift of about 0.12 in the score distributions at the usual levels).
 */
public final class PredictionDrift implements CheckType<PredictionDrift.Spec> {

    public static final String NAME = "prediction-drift";
    public static final long DEFAULT_MIN_PAIRS = 500;
    /** The horizon's upper bound: the scores of this many pairs are held per step. */
    public static final long MAX_MIN_PAIRS = 100_000;

    /** @param minPairs the fixed horizon: pairs at which each step is decided */
    public record Spec(String name, long minPairs, SourceSpec source) implements CheckSpec {

        @Override
        public boolean reachesArmsDirectly() {
            return source.derivesEndpoints();
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<Spec> specClass() {
        return Spec.class;
    }

    @Override
    public Spec read(CheckInput in) {
        ShadowFields.notForShadow(in, NAME);
        in.notFor(NAME, "minAgreement");
        Long minPairs = ShadowFields.minPairs(in.node(), DEFAULT_MIN_PAIRS, MAX_MIN_PAIRS);
        SourceSpec source = SourceSpec.read(in.node(), NAME, true);
        if (minPairs == null || source == null) return null;
        return new Spec(in.name(), minPairs, source);
    }

    @Override
    public Measure measure(Spec check) {
        return check.source().measure(check.name(), true);
    }

    @Override
    public Judge judge(Spec check, JudgeSettings settings) {
        return new DriftJudge(check.minPairs(), "predictions");
    }
}
