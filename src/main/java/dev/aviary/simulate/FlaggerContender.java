package dev.aviary.simulate;

import dev.aviary.checks.CheckTypes;
import dev.aviary.metrics.Measure;
import dev.aviary.policy.Policy;
import java.util.List;

/**
 * Flagger's canary analysis as fluxcd/flagger runs it (read at commit 15bd6ad of {@code pkg/controller}), with the
 * settings of Flagger's Istio tutorial ({@code docs/gitbook/tutorials/istio-progressive-delivery.md}: {@code interval:
 * 1m}, {@code threshold: 5}, {@code request-success-rate} {@code thresholdRange.min: 99} over {@code 1m},
 * {@code request-duration} {@code thresholdRange.max: 500} over {@code 30s}).
 * <ul>
 * <li><b>One analysis per interval</b> ({@code advanceCanary} runs once per {@code interval}). The first tick only sets
 * the routes ("Starting canary analysis": {@code canaryWeight == 0 && Iterations == 0}, no metric check); every later
 * tick first tests {@code cd.Status.FailedChecks >= cd.GetAnalysisThreshold()} and rolls back <i>before</i> running
 * the next analysis, so the threshold-th failed check rolls back one interval after it.</li>
 * <li><b>Cumulative failed checks</b>: a failed analysis ({@code runAnalysis} false) does
 * {@code SetStatusFailedChecks(FailedChecks+1)} and returns without advancing; nothing resets the count during a
 * rollout (only a new revision does, {@code hasCanaryRevisionChanged}).</li>
 * <li><b>Empty result = failed check</b> ({@code scheduler_metrics.go} {@code runBuiltinMetricChecks}: an error from
 * the query "Halt advancement no values found ... probably not receiving traffic", {@code return false}); the
 * Prometheus provider ({@code pkg/metrics/providers/prometheus.go} {@code RunQuery}) returns
 * {@code ErrNoValuesFound} both for an empty vector and for NaN (0/0 when the canary served nothing in the window),
 * so both fail the check. The success rate is {@code sum(rate(non-5xx)) / sum(rate(all)) * 100} of the canary's
 * workload ({@code pkg/metrics/observers/istio.go}), failing when {@code val < min}; the duration is
 * {@code histogram_quantile(0.99, ...)} truncated to whole ms, failing when {@code val > max}.</li>
 * <li><b>Progression</b>: a passing analysis advances one step ({@code runCanary}: {@code nextStepWeight} over
 * {@code stepWeights}; {@code runAB}: {@code Iterations+1} per passing analysis with {@code match}); a canary at
 * its last weight that passes is promoted. Flagger has no minimum duration per step, so each of the policy's steps
 * maps to {@code max(1, ceil(minDuration / interval))} passing analyses at that step: a header-route step is Flagger's
 * A/B testing ({@code analysis.match} + {@code iterations}), a weighted step is that many passing intervals at its
 * weight (Flagger needs distinct, increasing {@code stepWeights} for that, e.g. 30, 31, ... 39; they are held at the
 * policy's weight here), and a mirror step is {@code mirror: true} before the first weight ({@code runCanary}'s
 * mirrored pre-stage, one interval in Flagger; as many as the step's minDuration here). So a good canary that
 * never fails is promoted after exactly the policy's step durations.</li>
 * </ul>
 * Not modelled: webhooks and hooks, {@code progressDeadlineSeconds} (pod readiness), {@code stepWeightPromotion}.
 */
public final class FlaggerContender implements Contender {

    /**
     * What a Flagger user writes in {@code spec.analysis}.
     *
     * @param minSuccessRatePercent {@code request-success-rate} {@code thresholdRange.min}, percent
     * @param maxP99Ms              {@code request-duration} {@code thresholdRange.max}, ms
     * @param durationWindowSeconds {@code request-duration}'s {@code interval}; the success rate's is the analysis interval
     */
    public record Analysis(long intervalSeconds, int threshold, double minSuccessRatePercent, double maxP99Ms, long durationWindowSeconds) {

        public Analysis {
            if (intervalSeconds < 10) throw new IllegalArgumentException("Flagger's interval is at least 10s (GetAnalysisInterval)");
            if (durationWindowSeconds < 1 || durationWindowSeconds > intervalSeconds) {
                throw new IllegalArgumentException("the duration window must lie within one interval");
            }
        }

        /** The Istio tutorial's analysis, with the policy's p99 bound when it has one (else the tutorial's 500 ms). */
        public static Analysis tutorial(Policy policy, CheckTypes checks) {
            double maxP99 = policy.checks().stream().map(checks::of)
                    .filter(m -> m instanceof Measure.LatencyExceedances l && l.max() != null && l.quantile() == 0.99)
                    .map(m -> ((Measure.LatencyExceedances) m).max()).findFirst().orElse(500.0);
            return new Analysis(60, 5, 99, maxP99, 30);
        }

        public Analysis withMinSuccessRate(double percent) {
            return new Analysis(intervalSeconds, threshold, percent, maxP99Ms, durationWindowSeconds);
        }
    }

    /**
     * What one analysis reads: the canary's requests and 5xx over the interval before it, the p99 of the last
     * {@code durationWindowSeconds} (NaN with no requests), and the 5xx of the interval that reached users.
     */
    record Window(long requests, long errors, double p99Ms, long userErrors) {}

    /** The window read at analysis {@code tick} (1, 2, ...) while the canary is in plan step {@code step}. */
    interface Windows {
        Window at(int step, int tick);
    }

    private final String name;
    private final Analysis analysis;

    public FlaggerContender(String name, Analysis analysis) {
        this.name = name;
        this.analysis = analysis;
    }

    @Override
    public String name() {
        return name;
    }

    public Analysis analysis() {
        return analysis;
    }

    @Override
    public RunResult run(List<PlanStep> plan, TrafficSource traffic, int run) {
        return walk(iterations(plan, analysis), analysis, (step, tick) -> window(traffic, run, plan, step, tick, analysis));
    }

    /** Passing analyses each plan step takes: Flagger has no minDuration, so the step's minDuration in intervals. */
    static int[] iterations(List<PlanStep> plan, Analysis analysis) {
        return plan.stream().mapToInt(s -> (int) Math.max(1, (s.minSeconds() + analysis.intervalSeconds() - 1) / analysis.intervalSeconds())).toArray();
    }

    /** Flagger's scheduler over one run's windows (see the class comment). */
    static RunResult walk(int[] iterations, Analysis analysis, Windows windows) {
        int step = 0, passes = 0, failedChecks = 0;
        long canaryErrors = 0, userErrors = 0;
        for (int tick = 1; ; tick++) {
            Window w = windows.at(step, tick);
            canaryErrors += w.errors();
            userErrors += w.userErrors();
            long now = tick * analysis.intervalSeconds();
            if (failedChecks >= analysis.threshold()) return new RunResult(RunResult.End.ROLLBACK, now, canaryErrors, userErrors, false);
            if (!passes(w, analysis)) {
                failedChecks++;
                continue;
            }
            if (++passes < iterations[step]) continue;
            passes = 0;
            if (++step == iterations.length) return new RunResult(RunResult.End.PROMOTE, now, canaryErrors, userErrors, false);
        }
    }

    /** runBuiltinMetricChecks: success rate, then p99; no data in either window fails the check. */
    static boolean passes(Window w, Analysis analysis) {
        if (w.requests() == 0) return false;
        double successRate = 100.0 * (w.requests() - w.errors()) / w.requests();
        if (successRate < analysis.minSuccessRatePercent()) return false;
        return !Double.isNaN(w.p99Ms()) && Math.floor(w.p99Ms()) <= analysis.maxP99Ms();
    }

    /** The traffic of the interval before analysis {@code tick}, served while in {@code step}. */
    static Window window(TrafficSource traffic, int run, List<PlanStep> plan, int step, int tick, Analysis analysis) {
        PlanStep s = plan.get(step);
        long end = tick * analysis.intervalSeconds(), from = end - analysis.intervalSeconds();
        long durationFrom = end - analysis.durationWindowSeconds();
        long requests = 0, errors = 0;
        long[] buckets = new long[Buckets.UPPER_MS.length];
        for (long t = from; t < end; t++) {
            ArmSecond canary = traffic.second(run, t, step, s)[1];
            requests += canary.requests();
            errors += canary.errors();
            if (t >= durationFrom) for (int i = 0; i < buckets.length; i++) buckets[i] += canary.buckets()[i];
        }
        return new Window(requests, errors, Buckets.quantile(0.99, buckets), s.mirror() ? 0 : errors);
    }
}
