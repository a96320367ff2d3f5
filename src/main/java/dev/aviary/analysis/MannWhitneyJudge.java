package dev.aviary.analysis;

/**
 * Kayenta-style classification of a histogram (latency, or any binned value where higher is worse): Mann-Whitney
 * on the binned data at a fixed confidence. FAIL when the canary is significantly higher. Not anytime-valid:
 * every verdict says so ({@link Verdict#anytimeValid()} is false), because checking it every tick and acting on
 * the first significant result inflates false rollbacks far beyond 1 - confidence (Netflix measured 66 in 100
 * A/A runs). Offered for policies that want Kayenta's behaviour, not as a default.
 */
public final class MannWhitneyJudge implements Judge {

    private final double confidence;
    private final String what;

    /** @param confidence e.g. 0.98, Kayenta's usual level: FAIL when the two-sided p-value is below 1 - confidence */
    public MannWhitneyJudge(double confidence, String what) {
        if (!(confidence > 0 && confidence < 1)) throw new IllegalArgumentException("confidence must be within (0, 1)");
        this.confidence = confidence;
        this.what = what;
    }

    public MannWhitneyJudge(double confidence) {
        this(confidence, "latency");
    }

    /** The outcome alone, for the simulation; {@link #judge} words it. */
    public Outcome assess(Observation observation, StepContext step) {
        if (!(observation instanceof Observation.Histogram h)) return Outcome.NO_DATA;
        BinnedMannWhitney.Result r;
        long nb = sum(h.baseline()), nc = sum(h.canary());
        if (nb == 0 || nc == 0) return Outcome.NO_DATA;
        r = BinnedMannWhitney.test(h.baseline(), h.canary());
        if (r.pTwoSided() < 1 - confidence && r.superiority() > 0.5) return Outcome.FAIL;
        return nb >= step.minRequests() && nc >= step.minRequests() ? Outcome.PASS : Outcome.INCONCLUSIVE;
    }

    @Override
    public Verdict judge(String check, Observation observation, StepContext step, JudgeMemory memory) {
        if (observation instanceof Observation.Missing m) return Verdict.noData(check, check + ": " + m.reason());
        if (!(observation instanceof Observation.Histogram h)) return Verdict.noData(check, check + ": expected a histogram");
        long nb = sum(h.baseline()), nc = sum(h.canary());
        if (nb == 0 || nc == 0) return Verdict.noData(check, check + ": no " + (nb == 0 ? "baseline" : "canary") + " observations in this step yet");
        Outcome outcome = assess(observation, step);
        BinnedMannWhitney.Result r = BinnedMannWhitney.test(h.baseline(), h.canary());
        String head = "canary " + what + " higher than baseline in " + Explain.percent(r.superiority()) + " of pairs (" + nc + " vs " + nb
                + " requests), Mann-Whitney p = " + Explain.number(r.pTwoSided()) + " at " + Explain.percent(confidence) + " confidence";
        String tail = switch (outcome) {
            case FAIL -> ": rollback";
            case PASS -> ": pass";
            default -> "; waiting for " + step.minRequests() + " requests per arm: hold";
        };
        String caveat = " [fixed-horizon test, not valid under continuous monitoring]";
        Evidence e = new Evidence(nb, null, nc, null, r.superiority(), null, null, null, r.pTwoSided());
        return new Verdict(check, outcome, head + tail + caveat, e, false);
    }

    private static long sum(long[] a) {
        long s = 0;
        for (long v : a) s += v;
        return s;
    }
}
