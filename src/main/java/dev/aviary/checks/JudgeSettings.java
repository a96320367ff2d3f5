package dev.aviary.checks;

import dev.aviary.analysis.AnytimeCountJudge;

/**
 * How judges are tuned beyond what a policy says (the simulator compares pass rules).
 *
 * @param passRule      when comparisons pass (see {@link AnytimeCountJudge#DEFAULT_PASS_RULE})
 * @param concentration the comparisons' mixture prior pseudo-count (see {@link AnytimeCountJudge})
 * @param headerRouteAllowance how many times worse a header route's users may fail for who they are (see
 *                             {@link AnytimeCountJudge#DEFAULT_HEADER_ROUTE_ALLOWANCE})
 * @param dispersion    the count variance comparisons allow for (see {@link AnytimeCountJudge#DEFAULT_DISPERSION})
 */
public record JudgeSettings(AnytimeCountJudge.PassRule passRule, double concentration, double headerRouteAllowance, double dispersion) {

    public JudgeSettings(AnytimeCountJudge.PassRule passRule, double concentration) {
        this(passRule, concentration, AnytimeCountJudge.DEFAULT_HEADER_ROUTE_ALLOWANCE, AnytimeCountJudge.DEFAULT_DISPERSION);
    }

    public static JudgeSettings standard() {
        return new JudgeSettings(AnytimeCountJudge.DEFAULT_PASS_RULE, AnytimeCountJudge.DEFAULT_CONCENTRATION);
    }

    public static JudgeSettings passingOn(AnytimeCountJudge.PassRule passRule) {
        return new JudgeSettings(passRule, AnytimeCountJudge.DEFAULT_CONCENTRATION);
    }

    public JudgeSettings withHeaderRouteAllowance(double allowance) {
        return new JudgeSettings(passRule, concentration, allowance, dispersion);
    }

    public JudgeSettings withDispersion(double factor) {
        return new JudgeSettings(passRule, concentration, headerRouteAllowance, factor);
    }
}
