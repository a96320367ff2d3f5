package dev.aviary.simulate;

import dev.aviary.policy.Policy;
import dev.aviary.policy.Step;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One step of the plan every simulated judge walks.
 *
 * @param canaryShare   the canary's share of the requests both arms serve
 * @param expectedShare the share the routing fixes (what the judge is told); NaN for a header route
 * @param mirror        the canary serves copies: its failures reach no user
 */
public record PlanStep(String describe, double canaryShare, double expectedShare, boolean mirror, long minSeconds) {

    /**
     * The policy's steps up to (not including) the promotion; a header route sends {@code headerShare}. Pause steps are
     * left out: a simulation approves each at once (it models judges, not how long a person takes to approve).
     */
    public static List<PlanStep> from(Policy policy, double headerShare) {
        List<PlanStep> plan = new ArrayList<>();
        for (Step s : policy.steps()) {
            if (s.isPromotion()) break;
            if (s.isGate()) continue;
            long min = seconds(s.minDuration());
            plan.add(switch (s.kind()) {
                case PAUSE -> throw new IllegalStateException("pause steps are not simulated");
                case WEIGHT -> new PlanStep(s.describe(), s.canaryWeight() / 100.0, s.canaryWeight() / 100.0, false, min);
                case HEADER_ROUTE -> new PlanStep(s.describe() + " (" + Math.round(100 * headerShare) + "% of requests)", headerShare, Double.NaN, false, min);
                case MIRROR -> {
                    double share = s.mirror() / (100.0 + s.mirror());
                    yield new PlanStep(s.describe(), share, share, true, min);
                }
            });
        }
        return plan;
    }

    private static long seconds(Duration d) {
        return d == null ? 0 : d.toSeconds();
    }
}
