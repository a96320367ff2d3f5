package dev.aviary.analysis;

/**
 * Sample-ratio-mismatch guard: are the canary's requests the share the routing should give it? A mismatch means
 * the routing is not what the policy says (a missing DestinationRule subset, wrong arm labels, a mirror that is
 * not mirroring), and judging the canary on such data would be judging the wrong thing. FAIL means "mismatch":
 * the controller pauses the rollout and alerts; it does not roll back. Steps whose share the routing does not fix
 * (header routes, NaN share) PASS without a test.
 *
 * <p>Test: each request is an event that falls in the canary with probability theta. The null is
 * theta within {@code expectedShare x (1 +/- relativeTolerance)} (a tolerance, because metric windows and
 * extrapolation make request counts slightly noisy, and a small deviation biases the ratio less than the count
 * checks' tolerance). The e-value is a Beta mixture likelihood over the largest likelihood in that interval, a
 * valid e-process for the composite null (see {@link TwoSampleBernoulliMixture} for the argument). Each step has a
 * fresh e-process; the budget {@link StepContext#alpha()} is split evenly across the steps (false pauses over the
 * whole rollout &le; alpha by the union bound).
 *
 * <p>No mismatch is declared before each arm should have {@link StepContext#minRequests()} requests in the step: right after
 * a weight change the mesh still routes some requests by the old weights for a few seconds (Envoy's config push, a
 * scrape or two of lag), which early, small windows over-weight. Ignoring early looks only delays a pause, so the
 * e-process' guarantee stands.
 */
public final class SampleRatioGuard implements Judge {

    public static final double DEFAULT_RELATIVE_TOLERANCE = 0.05;
    private static final double PRIOR_CONCENTRATION = 2;

    private final double relativeTolerance;

    public SampleRatioGuard() {
        this(DEFAULT_RELATIVE_TOLERANCE);
    }

    /** @param relativeTolerance accepted relative deviation of the canary's share (0.05: 30% may be 28.5-31.5%) */
    public SampleRatioGuard(double relativeTolerance) {
        if (!(relativeTolerance >= 0 && relativeTolerance < 1)) throw new IllegalArgumentException("relativeTolerance must be within [0, 1)");
        this.relativeTolerance = relativeTolerance;
    }

    /** log e-value against "the canary's share is within tolerance of {@code expectedShare}". */
    public double logEValue(long canaryRequests, long baselineRequests, double expectedShare) {
        double lo = expectedShare * (1 - relativeTolerance), hi = Math.min(1, expectedShare * (1 + relativeTolerance));
        long n = canaryRequests + baselineRequests;
        if (n == 0) return 0;
        double mle = (double) canaryRequests / n;
        double closest = Math.max(lo, Math.min(hi, mle));
        double prior = Math.min(0.999, Math.max(0.001, expectedShare));
        BetaBinomialMixture mixture = BetaBinomialMixture.centredOn(prior, PRIOR_CONCENTRATION);
        return mixture.logBayesFactor(canaryRequests, baselineRequests, prior)
                + BetaBinomialMixture.logLikelihood(canaryRequests, baselineRequests, prior)
                - BetaBinomialMixture.logLikelihood(canaryRequests, baselineRequests, closest);
    }

    public Outcome assess(Observation observation, StepContext step) {
        if (Double.isNaN(step.expectedCanaryShare())) return Outcome.PASS;
        if (!(observation instanceof Observation.Counts c)) return Outcome.NO_DATA;
        long nc = c.canary().total(), nb = c.baseline().total();
        if (nc + nb == 0) return Outcome.NO_DATA;
        // by the expected split, not the observed one: a canary that gets nothing (wrong labels) is still caught
        double expected = step.expectedCanaryShare();
        if (Math.min(expected, 1 - expected) * (nc + nb) < step.minRequests()) return Outcome.INCONCLUSIVE;
        double alphaPerStep = step.alpha() / Math.max(1, step.stepCount());
        return logEValue(nc, nb, step.expectedCanaryShare()) >= Math.log(1 / alphaPerStep) ? Outcome.FAIL : Outcome.PASS;
    }

    @Override
    public Verdict judge(String check, Observation observation, StepContext step, JudgeMemory memory) {
        double expected = step.expectedCanaryShare();
        if (Double.isNaN(expected)) {
            return new Verdict(check, Outcome.PASS, "the routing does not fix the canary's share in this step (header route): not checked", Evidence.NONE, true);
        }
        if (observation instanceof Observation.Missing m) return Verdict.noData(check, check + ": " + m.reason());
        if (!(observation instanceof Observation.Counts c)) return Verdict.noData(check, check + ": expected request counts");
        long nc = c.canary().total(), nb = c.baseline().total();
        if (nc + nb == 0) return Verdict.noData(check, check + ": no requests in this step yet");
        Outcome outcome = assess(observation, step);
        double observed = (double) nc / (nc + nb);
        double e = Explain.exp(logEValue(nc, nb, expected));
        String counts = "canary got " + Explain.percent(observed) + " of requests (" + nc + " of " + (nc + nb) + "), the policy's split gives it "
                + Explain.percent(expected);
        String message = outcome == Outcome.INCONCLUSIVE
                ? counts + "; judged once the split gives each arm " + step.minRequests() + " requests in this step"
                : outcome == Outcome.FAIL
                ? counts + " (e-value " + Explain.number(e) + "): the routing does not match the policy (missing DestinationRule subset, wrong arm labels?): pause"
                : counts + ": routing matches the policy";
        Evidence evidence = new Evidence(nb, null, nc, null, observed, expected * (1 - relativeTolerance),
                Math.min(1, expected * (1 + relativeTolerance)), e, null);
        return new Verdict(check, outcome, message, evidence, true);
    }
}
