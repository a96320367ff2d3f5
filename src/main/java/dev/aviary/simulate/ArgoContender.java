package dev.aviary.simulate;

import java.util.List;

/**
 * Argo Rollouts' canary strategy with a background AnalysisRun, as argoproj/argo-rollouts runs it (read at commit
 * 9f8d111): the policy's steps become {@code setWeight} / {@code setHeaderRoute} / {@code setMirrorRoute} each
 * followed by {@code pause: {duration: <minDuration>}}, the rollout completing (promotion) after the last pause,
 * and one Prometheus metric on the canary's success rate, as in the AnalysisTemplate of {@code docs/features/analysis.md}
 * ({@code successCondition: result[0] >= 0.95}, {@code failureLimit: 3}), measured every minute over a 1-minute
 * window (the docs use 5m; 1m is Flagger's tutorial interval, so both peers sample equally often).
 * <ul>
 * <li><b>Schedule</b> ({@code analysis/analysis.go} {@code generateMetricTasks}, {@code calculateNextReconcileTime}):
 * the first measurement at the start of the run (no {@code initialDelay}), then one {@code interval} after the last
 * finished, or {@code DefaultErrorRetryInterval} (10 s) after a measurement in Error.</li>
 * <li><b>Phases</b> ({@code utils/evaluate/evaluate.go} {@code EvaluateResult}; {@code metricproviders/prometheus}
 * {@code processResponse}): with only a successCondition, false means Failed. Before the canary has served a request
 * its series do not exist, the vector is empty and {@code result[0]} cannot be evaluated: Error. After that, a
 * window without canary requests gives NaN (0/0), and {@code NaN >= 0.95} is false: Failed.</li>
 * <li><b>Limits</b> ({@code runMeasurements}, {@code assessMetricFailureInconclusiveOrError}): Successful and Failed
 * count towards {@code count} and reset the consecutive errors; the metric is Failed once {@code failed > failureLimit},
 * Inconclusive once {@code inconclusive > inconclusiveLimit} (default 0), Error once
 * {@code consecutiveError > consecutiveErrorLimit} (default 4, {@code utils/defaults}); with a {@code count} reached it is
 * Successful and measures no more (background analysis leaves {@code count} unset: it runs until the steps end).</li>
 * <li><b>Rollout</b> ({@code rollout/analysis.go}): an AnalysisRun Failed or in Error aborts the rollout at once
 * (canary weight back to 0); Inconclusive pauses it for a person (STALLED here).</li>
 * </ul>
 * Not modelled: {@code irate}'s two-sample view in the docs' query (the ratio of increases over the window is used),
 * scrape delay, {@code consecutiveSuccessLimit}, dry-run metrics.
 */
public final class ArgoContender implements Contender {

    /** argo-rollouts' DefaultErrorRetryInterval. */
    static final long ERROR_RETRY_SECONDS = 10;

    /**
     * One metric of the AnalysisTemplate.
     *
     * @param minSuccessRate successCondition {@code result[0] >= minSuccessRate} (a fraction)
     * @param count          measurements after which the metric is Successful; null runs until the rollout ends
     */
    public record Metric(long intervalSeconds, long windowSeconds, double minSuccessRate, int failureLimit, int consecutiveErrorLimit,
                         int inconclusiveLimit, Integer count) {

        /** The docs' success-rate template, measured every minute over one minute; Argo's default limits. */
        public static Metric docsExample() {
            return new Metric(60, 60, 0.95, 3, 4, 0, null);
        }
    }

    enum Phase { SUCCESSFUL, FAILED, INCONCLUSIVE, ERROR }

    private final Metric metric;

    public ArgoContender(Metric metric) {
        this.metric = metric;
    }

    @Override
    public String name() {
        return "argo-style";
    }

    @Override
    public RunResult run(List<PlanStep> plan, TrafficSource traffic, int run) {
        RunResult.Failures failures = new RunResult.Failures();
        Measurements m = new Measurements(metric);
        long t = 0;
        for (int s = 0; s < plan.size(); s++) {
            PlanStep step = plan.get(s);
            long end = t + Math.max(0, step.minSeconds());
            while (true) {
                RunResult.End decided = m.measureIfDue(t);
                if (decided != null) return failures.end(decided, t, false);
                if (t >= end) break;
                ArmSecond canary = traffic.second(run, t, s, step)[1];
                m.serve(t, canary);
                failures.add(canary, step);
                t++;
            }
        }
        return failures.end(RunResult.End.PROMOTE, t, false);
    }

    /** The AnalysisRun of one rollout: the canary's recent seconds, and the metric's counters. */
    static final class Measurements {
        private final Metric metric;
        private final long[] requests;
        private final long[] errors;
        /** The second each slot holds, so a second never served counts as empty. */
        private final long[] served;
        private boolean everServed;
        private long nextAt;
        private boolean completed;
        private int failed, inconclusive, consecutiveErrors, count;

        Measurements(Metric metric) {
            this.metric = metric;
            this.requests = new long[(int) metric.windowSeconds()];
            this.errors = new long[(int) metric.windowSeconds()];
            this.served = new long[(int) metric.windowSeconds()];
            java.util.Arrays.fill(served, -1);
        }

        void serve(long second, ArmSecond canary) {
            int i = (int) (second % requests.length);
            requests[i] = canary.requests();
            errors[i] = canary.errors();
            served[i] = second;
            everServed |= canary.requests() > 0;
        }

        /** Takes the measurement due at {@code now}, if any; ROLLBACK or STALLED when the run is decided. */
        RunResult.End measureIfDue(long now) {
            if (completed || now < nextAt) return null;
            Phase phase = measure(now);
            switch (phase) {
                case SUCCESSFUL -> { count++; consecutiveErrors = 0; }
                case FAILED -> { failed++; count++; consecutiveErrors = 0; }
                case INCONCLUSIVE -> { inconclusive++; count++; consecutiveErrors = 0; }
                case ERROR -> consecutiveErrors++;
            }
            nextAt = now + (phase == Phase.ERROR ? ERROR_RETRY_SECONDS : metric.intervalSeconds());
            if (metric.failureLimit() >= 0 && failed > metric.failureLimit()) return RunResult.End.ROLLBACK;
            if (consecutiveErrors > metric.consecutiveErrorLimit()) return RunResult.End.ROLLBACK;
            if (inconclusive > metric.inconclusiveLimit()) return RunResult.End.STALLED;
            if (metric.count() != null && count >= metric.count()) completed = true;
            return null;
        }

        /** The success rate of the canary over the window ending now, judged by the successCondition alone. */
        Phase measure(long now) {
            if (!everServed) return Phase.ERROR;
            long n = 0, bad = 0;
            for (long t = Math.max(0, now - requests.length); t < now; t++) {
                int i = (int) (t % requests.length);
                if (served[i] != t) continue;
                n += requests[i];
                bad += errors[i];
            }
            if (n == 0) return Phase.FAILED;
            return (double) (n - bad) / n >= metric.minSuccessRate() ? Phase.SUCCESSFUL : Phase.FAILED;
        }
    }
}
