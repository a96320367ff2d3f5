package dev.aviary.checks;

import dev.aviary.analysis.Judge;
import dev.aviary.analysis.ThresholdJudge;
import dev.aviary.metrics.Measure;
import dev.aviary.policy.CheckSpec;

import java.util.Optional;

/**
 * {@code type: threshold}: one arm's value against min and max ({@link ThresholdJudge}), from a preset or from the
 * policy's query; a preset may judge it its own way (the p99 preset as a quantile SLO).
 */
public final class Threshold implements CheckType<Threshold.Spec> {

    public static final String NAME = "threshold";
    public static final String DEFAULT_ARM = "canary";

    /**
     * @param preset     the query family, null for the policy's own query
     * @param query      without a preset: PromQL giving the value per arm ({{arm}}, {{window}})
     * @param min        the lowest acceptable value (inclusive), null for none
     * @param max        the highest acceptable value (inclusive), null for none
     * @param minSamples requests the arm must have served before the value may decide
     * @param arm        which arm the value is taken from (canary by default)
     */
    public record Spec(String name, Preset preset, String query, Double min, Double max, long minSamples, String arm)
            implements CheckSpec {}

    /** What a threshold preset supplies: the value, its unit's bounds, and optionally its own judge. */
    public interface Preset extends dev.aviary.checks.Preset {

        @Override
        default String type() {
            return NAME;
        }

        Measure measure(Spec check);

        /** What the check measures, in the words of its verdicts, e.g. "success rate". */
        String describe(Spec check);

        /** Empty when {@code value} suits the preset as its {@code field} (min or max); else the whole message. */
        default Optional<String> bound(String field, String written, double value) {
            return Optional.empty();
        }

        /** Appended to "needs min or max", e.g. ", e.g. max: 500 (milliseconds)". */
        default String boundExample() {
            return "";
        }

        /** A judge of the preset's own, or empty for the plain threshold. */
        default Optional<Judge> judge(Spec check) {
            return Optional.empty();
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
        in.notFor(NAME, "tolerance", "totalQuery");
        CheckFields f = in.fields();
        Preset preset = (Preset) in.preset();
        var c = in.node();
        if (!c.has("min") && !c.has("max")) {
            c.problemHere("a threshold check needs min or max (or both): the acceptable range of the value"
                    + (preset == null ? "" : preset.boundExample()));
        }
        if (f.min() != null && f.max() != null && f.min() > f.max()) {
            c.problemAt("min", "min " + c.raw("min") + " is above max " + c.raw("max") + "; no value could pass");
        }
        if (preset != null && f.min() != null) c.check("min", preset.bound("min", c.raw("min"), f.min()));
        if (preset != null && f.max() != null) c.check("max", preset.bound("max", c.raw("max"), f.max()));
        if (in.ownQueries() && !c.has("query")) {
            c.problemMissing("query", "a threshold check without a preset needs query: PromQL giving the value per arm, "
                    + "with {{arm}} and {{window}} placeholders");
        }
        return new Spec(in.name(), preset, f.query(), f.min(), f.max(),
                f.minSamples() != null ? f.minSamples() : in.minRequests(), f.arm() != null ? f.arm() : DEFAULT_ARM);
    }

    @Override
    public Measure measure(Spec check) {
        return check.preset() != null ? check.preset().measure(check)
                : new Measure.QueryValue(check.query(), check.arm(), null);
    }

    @Override
    public Judge judge(Spec check, JudgeSettings settings) {
        Optional<Judge> own = check.preset() == null ? Optional.empty() : check.preset().judge(check);
        return own.orElseGet(() -> new ThresholdJudge(check.min(), check.max(), check.minSamples(),
                check.preset() == null ? check.name() : check.preset().describe(check)));
    }
}
