package dev.aviary.simulate;

import dev.aviary.analysis.ArmCounts;
import dev.aviary.analysis.Observation;
import dev.aviary.analysis.ReplayFailures;
import dev.aviary.metrics.Measure;
import dev.aviary.metrics.Measures;
import dev.aviary.metrics.MetricSource;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;
import dev.aviary.shadow.ReplayMeasure;
import dev.aviary.traffic.ArmLabels;
import java.time.Duration;

/**
 * The simulated step's cumulative counts, read the way {@code metrics.prometheus.PrometheusSource} reads Istio's
 * metrics: the same observation for each check (counts per arm, exceedances above a bucket bound, a success rate in
 * percent, histograms per arm), and the same "missing" where Prometheus would have nothing to answer. The window is
 * always the step so far: that is what the simulation accumulates.
 */
final class SimulatedMetrics implements MetricSource {

    /** The label values the simulated arms carry. */
    static final ArmLabels ARMS = new ArmLabels("baseline", "canary", null);

    private final StepTotals totals;
    private final Measures measures;

    SimulatedMetrics(StepTotals totals, Measures measures) {
        this.totals = totals;
        this.measures = measures;
    }

    /**
     * Measures the simulation answers: every request-metric measure (whichever mesh's names it carries: the simulated
     * arms serve requests, fail and take time the same way) and histogram queries, read as the latency histogram.
     */
    static boolean simulated(Measure m) {
        return m instanceof Measure.Errors || m instanceof Measure.SlowRequests || m instanceof Measure.SuccessRate
                || m instanceof Measure.LatencyExceedances || m instanceof Measure.QueryHistograms
                || m instanceof ReplayMeasure r && !r.predictions();
    }

    @Override
    public Observation requests(Policy policy, ArmLabels arms, Duration window) {
        return new Observation.Counts(new ArmCounts(totals.baseline, 0), new ArmCounts(totals.canary, 0));
    }

    @Override
    public Observation observe(Policy policy, CheckSpec check, ArmLabels arms, Duration window) {
        StepTotals s = totals;
        Measure m = measures.of(check);
        if (m instanceof Measure.QueryHistograms) return new Observation.Histogram(Buckets.UPPER_MS, s.baselineBuckets, s.canaryBuckets);
        // every replay of the simulation pairs (no endpoint fails): pairs as the replay source reports them
        if (m instanceof ReplayMeasure r && !r.predictions()) return new Observation.Pairs(s.compared, s.agreed, ReplayFailures.NONE);
        if (m instanceof Measure.Errors) {
            return new Observation.Counts(new ArmCounts(s.baseline, s.baselineErrors), new ArmCounts(s.canary, s.canaryErrors));
        }
        if (m instanceof Measure.SlowRequests slow) {
            int above = aboveBound(slow.slowerThan().toMillis());
            return above < 0 ? new Observation.Missing("slowerThan " + slow.slowerThan().toMillis() + "ms is not a bucket bound")
                    : new Observation.Counts(new ArmCounts(s.baseline, Buckets.countFrom(s.baselineBuckets, above)),
                            new ArmCounts(s.canary, Buckets.countFrom(s.canaryBuckets, above)));
        }
        if (m instanceof Measure.LatencyExceedances p) {
            boolean canaryArm = !Measure.isBaseline(p.arm());
            long armTotal = canaryArm ? s.canary : s.baseline;
            int above = p.max() == null ? -1 : aboveBound(p.max());
            if (armTotal == 0) return new Observation.Missing("no latency histogram for the arm yet");
            long[] armBuckets = canaryArm ? s.canaryBuckets : s.baselineBuckets;
            return above < 0 ? new Observation.Missing("max " + p.max() + " ms is not a bucket bound")
                    : new Observation.Exceedances(armTotal, Buckets.countFrom(armBuckets, above), Buckets.quantile(p.quantile(), armBuckets));
        }
        if (m instanceof Measure.SuccessRate r) {
            boolean canaryArm = !Measure.isBaseline(r.arm());
            long armTotal = canaryArm ? s.canary : s.baseline, armErrors = canaryArm ? s.canaryErrors : s.baselineErrors;
            return armTotal == 0 ? new Observation.Missing("no requests to the arm yet")
                    : new Observation.Value(100.0 * (armTotal - armErrors) / armTotal, armTotal);
        }
        return new Observation.Missing("the simulation has no series for explicit queries");
    }

    /** The first bucket above {@code boundMs} when it is a bucket bound (the only bounds Prometheus can count above), else -1. */
    private static int aboveBound(double boundMs) {
        for (int i = 0; i < Buckets.UPPER_MS.length; i++) if (Buckets.UPPER_MS[i] == boundMs) return i + 1;
        return -1;
    }

    /** Cumulative counts of the current step. */
    static final class StepTotals {
        long baseline, baselineErrors, canary, canaryErrors;
        /** Replayed pairs of answers, and of those the agreeing ones. */
        long compared, agreed;
        final long[] baselineBuckets = new long[Buckets.UPPER_MS.length];
        final long[] canaryBuckets = new long[Buckets.UPPER_MS.length];

        void add(ArmSecond[] sec) {
            baseline += sec[0].requests();
            baselineErrors += sec[0].errors();
            canary += sec[1].requests();
            canaryErrors += sec[1].errors();
            for (int i = 0; i < baselineBuckets.length; i++) {
                baselineBuckets[i] += sec[0].buckets()[i];
                canaryBuckets[i] += sec[1].buckets()[i];
            }
        }

        void addPairs(long[] pairs) {
            compared += pairs[0];
            agreed += pairs[1];
        }

        void clear() {
            baseline = baselineErrors = canary = canaryErrors = compared = agreed = 0;
            java.util.Arrays.fill(baselineBuckets, 0);
            java.util.Arrays.fill(canaryBuckets, 0);
        }
    }
}
