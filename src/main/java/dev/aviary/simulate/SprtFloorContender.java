package dev.aviary.simulate;

import dev.aviary.metrics.Measure;
import dev.aviary.metrics.Measures;
import dev.aviary.policy.Policy;
import java.util.List;

/**
 * A floor no real judge can beat: Wald's SPRT on the canary's own requests with both rates known (p0 = the
 * baseline's rate, p1 = the canary's), for the 5xx rate and the slow-request share, each with the alpha the
 * controller gives one check (policy alpha / number of checks) and beta equal to it. A metric whose canary is no
 * worse is not tested (there is nothing to detect). Steps last exactly their minDuration. Knowing p0 and p1 is
 * what makes it unbeatable: a real judge must learn both from the data.
 */
public final class SprtFloorContender implements Contender {

    private final double alpha;
    private final double slowBoundMs;

    public SprtFloorContender(Policy policy, Measures measures) {
        this.alpha = policy.alpha() / Math.max(1, policy.checks().size());
        this.slowBoundMs = policy.checks().stream().map(measures::of)
                .filter(m -> m instanceof Measure.SlowRequests s && s.slowerThan() != null)
                .map(m -> (double) ((Measure.SlowRequests) m).slowerThan().toMillis()).findFirst().orElse(250.0);
    }

    @Override
    public String name() {
        return "sprt-floor";
    }

    @Override
    public RunResult run(List<PlanStep> plan, TrafficSource traffic, int run) {
        Scenario sc = traffic.scenario();
        int slowFrom = Buckets.firstAbove(slowBoundMs);
        double slowBound = Buckets.UPPER_MS[slowFrom - 1];
        Sprt errors = Sprt.of(sc.baseline().errorRate(), sc.canary().errorRate(), alpha);
        Sprt slow = Sprt.of(sc.baseline().slowShare(slowBound), sc.canary().slowShare(slowBound), alpha);
        long t = 0;
        RunResult.Failures failures = new RunResult.Failures();
        for (int s = 0; s < plan.size(); s++) {
            PlanStep step = plan.get(s);
            for (long e = 1; e <= Math.max(1, step.minSeconds()); e++) {
                ArmSecond[] sec = traffic.second(run, t, s, step);
                t++;
                failures.add(sec[1], step);
                long n = sec[1].requests();
                boolean reject = errors != null && errors.observe(sec[1].errors(), n);
                if (slow != null) reject |= slow.observe(Buckets.countFrom(sec[1].buckets(), slowFrom), n);
                if (reject) return failures.end(RunResult.End.ROLLBACK, t, false);
            }
        }
        return failures.end(RunResult.End.PROMOTE, t, false);
    }

    /** One SPRT; accepting H0 stops it for the rest of the rollout. */
    static final class Sprt {
        final double logBad, logGood, upper, lower;
        double llr;
        boolean accepted;

        private Sprt(double p0, double p1, double alpha) {
            logBad = Math.log(p1 / p0);
            logGood = Math.log((1 - p1) / (1 - p0));
            upper = Math.log((1 - alpha) / alpha);
            lower = Math.log(alpha / (1 - alpha));
        }

        static Sprt of(double p0, double p1, double alpha) {
            return p1 > p0 && p0 > 0 && p1 < 1 ? new Sprt(p0, p1, alpha) : null;
        }

        boolean observe(long bad, long n) {
            if (accepted) return false;
            llr += bad * logBad + (n - bad) * logGood;
            if (llr <= lower) accepted = true;
            return llr >= upper;
        }
    }
}
