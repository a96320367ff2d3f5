package dev.aviary.checks;

import dev.aviary.analysis.AnytimeCountJudge;
import dev.aviary.analysis.Judge;
import dev.aviary.metrics.Measure;
import dev.aviary.policy.CheckSpec;

import java.time.Duration;

/**
 * {@code type: comparison}: the canary against the baseline on a count of bad events, judged anytime-valid
 * ({@link AnytimeCountJudge}). The counts come from a preset or from the policy's query and totalQuery.
 */
public final class Comparison implements CheckType<Comparison.Spec> {

    public static final String NAME = "comparison";

    /**
     * @param preset     the query family, null for the policy's own queries
     * @param query      without a preset: the bad-event count query ({{arm}}, {{window}})
     * @param totalQuery without a preset: the total-event count query
     * @param tolerance  how much worse the canary's rate may be, as a fraction (0.10 = 10%)
     * @param slowerThan for slow-request presets: the bound above which a request counts as slow
     */
    public record Spec(String name, Preset preset, String query, String totalQuery, double tolerance,
                       Duration slowerThan) implements CheckSpec {}

    /** What a comparison preset supplies: the counts to compare, and what they are in messages. */
    public interface Preset extends dev.aviary.checks.Preset {

        @Override
        default String type() {
            return NAME;
        }

        Measure measure(Spec check);

        /** What the check measures, in the words of its verdicts, e.g. "5xx rate". */
        String describe(Spec check);
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
        in.notFor(NAME, "min", "max", "minSamples", "arm");
        CheckFields f = in.fields();
        if (!in.node().has("tolerance")) {
            in.node().problemMissing("tolerance", "a comparison check needs a tolerance: how much worse than the "
                    + "baseline the canary may be, e.g. tolerance: 10%");
        }
        if (in.ownQueries()) {
            if (f.query() == null && !in.node().has("query")) {
                in.node().problemMissing("query", "a comparison without a preset needs query (the bad-event count) and "
                        + "totalQuery (the total-event count)");
            } else if (f.totalQuery() == null && !in.node().has("totalQuery")) {
                in.node().problemMissing("totalQuery", "a comparison without a preset needs totalQuery (the total-event "
                        + "count) next to query");
            }
        }
        return new Spec(in.name(), (Preset) in.preset(), f.query(), f.totalQuery(),
                f.tolerance() == null ? 0 : f.tolerance(), f.slowerThan());
    }

    @Override
    public Measure measure(Spec check) {
        return check.preset() != null ? check.preset().measure(check)
                : new Measure.QueryCounts(check.query(), check.totalQuery(), check.name());
    }

    @Override
    public Judge judge(Spec check, JudgeSettings settings) {
        String what = check.preset() == null ? check.name() : check.preset().describe(check);
        return new AnytimeCountJudge(check.tolerance(), settings.passRule(), settings.concentration(), settings.headerRouteAllowance(), settings.dispersion(), what);
    }
}
