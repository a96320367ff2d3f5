package dev.aviary.checks;

import dev.aviary.analysis.AnytimeCountJudge;

/**
 * How judges are tuned beyond what a policy says (the simulator compares pass rules).
 *
 * @param passRule      when comparisons pass (see {@link AnytimeCountJudge#DEFAULT_PASS_RULE})
 * @param concentration the comparisons' mixture prior pseudo-count (see {@link AnytimeCountJudge})
 */
public record JudgeSettings(AnytimeCountJudge.PassRule passRule, double concentration) {

    public static JudgeSettings standard() {
        return new JudgeSettings(AnytimeCountJudge.DEFAULT_PASS_RULE, AnytimeCountJudge.DEFAULT_CONCENTRATION);
    }

    public static JudgeSettings passingOn(AnytimeCountJudge.PassRule passRule) {
        return new JudgeSettings(passRule, AnytimeCountJudge.DEFAULT_CONCENTRATION);
    }
}
