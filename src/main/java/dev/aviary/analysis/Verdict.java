package dev.aviary.analysis;

/**
 * One check's conclusion at one tick.
 *
 * @param check        the check's name in the policy
 * @param outcome      PASS / FAIL / INCONCLUSIVE / NO_DATA
 * @param message      one line a person understands, e.g.
 *                     "canary 5xx rate 4.8% vs 1.0%, ratio >= 3.1 with 99% confidence: rollback"
 * @param evidence     the numbers
 * @param anytimeValid false for fixed-horizon tests that are not valid under continuous monitoring
 */
public record Verdict(String check, Outcome outcome, String message, Evidence evidence, boolean anytimeValid) {

    public static Verdict noData(String check, String why) {
        return new Verdict(check, Outcome.NO_DATA, why, Evidence.NONE, true);
    }
}
