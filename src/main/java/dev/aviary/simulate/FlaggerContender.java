package dev.aviary.simulate;

import dev.aviary.policy.Policy;
import java.util.List;

/**
 * Flagger's default analysis as the issue describes it: every minute the canary's success rate over that minute
 * must be at least 99%; a minute without canary requests is a failed check; the fifth failed check rolls back.
 * A step ends at the first minute at or after its minDuration whose check passed (at least one minute per step).
 */
public final class FlaggerContender implements Contender {

    static final long INTERVAL = 60;
    static final double MIN_SUCCESS_RATE = 0.99;
    static final int THRESHOLD = 5;

    private final long maxStepSeconds;

    public FlaggerContender(Policy policy) {
        this.maxStepSeconds = policy.maxStepDuration() == null ? 3600 : policy.maxStepDuration().toSeconds();
    }

    @Override
    public String name() {
        return "flagger-style";
    }

    @Override
    public RunResult run(List<PlanStep> plan, TrafficSource traffic, int run) {
        long t = 0, failures = 0;
        int failed = 0;
        for (int s = 0; s < plan.size(); s++) {
            PlanStep step = plan.get(s);
            long requests = 0, errors = 0;
            for (long e = 1; ; e++) {
                ArmSecond[] sec = traffic.second(run, t, s, step);
                t++;
                requests += sec[1].requests();
                errors += sec[1].errors();
                if (!step.mirror()) failures += sec[1].errors();
                if (e % INTERVAL != 0) continue;
                boolean pass = requests > 0 && 1 - (double) errors / requests >= MIN_SUCCESS_RATE;
                requests = 0;
                errors = 0;
                if (!pass && ++failed >= THRESHOLD) return new RunResult(RunResult.End.ROLLBACK, t, failures, false);
                if (pass && e >= Math.max(INTERVAL, step.minSeconds())) break;
                if (e > maxStepSeconds) return new RunResult(RunResult.End.STALLED, t, failures, true);
            }
        }
        return new RunResult(RunResult.End.PROMOTE, t, failures, false);
    }
}
