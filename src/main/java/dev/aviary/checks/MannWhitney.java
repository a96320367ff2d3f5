package dev.aviary.checks;

import dev.aviary.analysis.Judge;
import dev.aviary.analysis.MannWhitneyJudge;
import dev.aviary.metrics.Measure;
import dev.aviary.policy.CheckSpec;

/**
 * {@code type: mann-whitney}: Kayenta's fixed-horizon rank test on the two arms' histograms, from the policy's own
 * query (cumulative buckets per arm). Kept for comparison with Kayenta; it takes no preset.
 */
public final class MannWhitney implements CheckType<MannWhitney.Spec> {

    public static final String NAME = "mann-whitney";
    /** Kayenta's usual confidence for its Mann-Whitney classification. */
    public static final double CONFIDENCE = 0.98;

    /** @param query PromQL giving cumulative histogram buckets per arm ({{arm}}, {{window}}) */
    public record Spec(String name, String query) implements CheckSpec {}

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
        in.notFor(NAME, "min", "max", "totalQuery", "arm");
        if (in.presetText() != null) {
            in.node().problemAtKey("preset", "mann-whitney checks take their own query, not a preset");
        } else if (!in.node().has("query")) {
            in.node().problemMissing("query", "a mann-whitney check needs query: PromQL giving the samples per arm, "
                    + "with {{arm}} and {{window}} placeholders");
        }
        return new Spec(in.name(), in.fields().query());
    }

    @Override
    public Measure measure(Spec check) {
        return new Measure.QueryHistograms(check.query(), check.name());
    }

    @Override
    public Judge judge(Spec check, JudgeSettings settings) {
        return new MannWhitneyJudge(CONFIDENCE, check.name());
    }
}
