package dev.aviary.analysis;

/**
 * A Flagger-style absolute SLO: one arm's value (success rate, a latency quantile) against min and/or max. The
 * value decides only once it rests on {@code minSamples} requests, so one error in twenty requests does not fail
 * a step. It is a comparison, not a test: no error rate is guaranteed, hence {@code anytimeValid = false}.
 */
public final class ThresholdJudge implements Judge {

    private final Double min;
    private final Double max;
    private final long minSamples;
    private final String what;

    /**
     * @param min        lowest acceptable value (inclusive), null for none
     * @param max        highest acceptable value (inclusive), null for none
     * @param minSamples requests the value must rest on before it may decide
     * @param what       the value's name in messages
     */
    public ThresholdJudge(Double min, Double max, long minSamples, String what) {
        if (min == null && max == null) throw new IllegalArgumentException("a threshold needs min or max");
        if (min != null && max != null && min > max) throw new IllegalArgumentException("min must not exceed max");
        this.min = min;
        this.max = max;
        this.minSamples = Math.max(0, minSamples);
        this.what = what;
    }

    public Outcome assess(Observation observation) {
        if (!(observation instanceof Observation.Value v) || Double.isNaN(v.value())) return Outcome.NO_DATA;
        if (v.samples() < minSamples) return Outcome.INCONCLUSIVE;
        return within(v.value()) ? Outcome.PASS : Outcome.FAIL;
    }

    private boolean within(double value) {
        return (min == null || value >= min) && (max == null || value <= max);
    }

    @Override
    public Verdict judge(String check, Observation observation, StepContext step, JudgeMemory memory) {
        if (observation instanceof Observation.Missing m) return Verdict.noData(check, check + ": " + m.reason());
        if (!(observation instanceof Observation.Value v)) return Verdict.noData(check, check + ": expected a single value");
        if (Double.isNaN(v.value())) return Verdict.noData(check, check + ": the value is NaN (no requests in the window?)");
        Outcome outcome = assess(observation);
        String bound = (min != null ? "min " + Explain.number(min) : "") + (min != null && max != null ? ", " : "") + (max != null ? "max " + Explain.number(max) : "");
        String head = what + " " + Explain.number(v.value()) + " over " + v.samples() + " requests (" + bound + ")";
        String message = switch (outcome) {
            case FAIL -> head + ", outside the bound: rollback";
            case PASS -> head + ", within the bound: pass";
            default -> head + "; waiting for " + minSamples + " requests before it decides: hold";
        };
        Evidence e = new Evidence(null, null, v.samples(), null, v.value(), min, max, null, null);
        return new Verdict(check, outcome, message + " [absolute threshold, no error-rate guarantee]", e, false);
    }
}
