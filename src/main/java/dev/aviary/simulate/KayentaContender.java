package dev.aviary.simulate;

import dev.aviary.analysis.BinnedMannWhitney;
import dev.aviary.policy.Policy;
import java.util.List;

/**
 * Kayenta's classification, run every minute on that minute's data: a Mann-Whitney test per metric (5xx as a
 * two-bin histogram, latency on the Istio buckets) at 98% confidence; a metric whose canary is significantly
 * higher is "High", and with two metrics one High puts the score at 50%, below any usual pass mark: rollback.
 * A step ends at the first minute at or after its minDuration. A minute with no requests in an arm is no data.
 */
public final class KayentaContender implements Contender {

    static final long INTERVAL = 60;
    static final double CONFIDENCE = 0.98;

    private final long maxStepSeconds;

    public KayentaContender(Policy policy) {
        this.maxStepSeconds = policy.maxStepDuration() == null ? 3600 : policy.maxStepDuration().toSeconds();
    }

    @Override
    public String name() {
        return "kayenta-style";
    }

    @Override
    public RunResult run(List<PlanStep> plan, TrafficSource traffic, int run) {
        long t = 0;
        RunResult.Failures failures = new RunResult.Failures();
        int n = dev.aviary.simulate.Buckets.UPPER_MS.length;
        for (int s = 0; s < plan.size(); s++) {
            PlanStep step = plan.get(s);
            long[] be = new long[2], ce = new long[2], bl = new long[n], cl = new long[n];
            for (long e = 1; ; e++) {
                ArmSecond[] sec = traffic.second(run, t, s, step);
                t++;
                be[0] += sec[0].requests() - sec[0].errors();
                be[1] += sec[0].errors();
                ce[0] += sec[1].requests() - sec[1].errors();
                ce[1] += sec[1].errors();
                for (int i = 0; i < n; i++) {
                    bl[i] += sec[0].buckets()[i];
                    cl[i] += sec[1].buckets()[i];
                }
                failures.add(sec[1], step);
                if (e % INTERVAL != 0) continue;
                if (high(be, ce) || high(bl, cl)) return failures.end(RunResult.End.ROLLBACK, t, false);
                java.util.Arrays.fill(be, 0);
                java.util.Arrays.fill(ce, 0);
                java.util.Arrays.fill(bl, 0);
                java.util.Arrays.fill(cl, 0);
                if (e >= Math.max(INTERVAL, step.minSeconds())) break;
                if (e > maxStepSeconds) return failures.end(RunResult.End.STALLED, t, true);
            }
        }
        return failures.end(RunResult.End.PROMOTE, t, false);
    }

    private static boolean high(long[] baseline, long[] canary) {
        long nb = 0, nc = 0;
        for (long v : baseline) nb += v;
        for (long v : canary) nc += v;
        if (nb == 0 || nc == 0) return false;
        BinnedMannWhitney.Result r = BinnedMannWhitney.test(baseline, canary);
        return r.pTwoSided() < 1 - CONFIDENCE && r.superiority() > 0.5;
    }
}
