package dev.aviary.checks.shadow;

import dev.aviary.analysis.AgreementJudge;
import dev.aviary.analysis.Judge;
import dev.aviary.checks.CheckInput;
import dev.aviary.checks.CheckType;
import dev.aviary.checks.JudgeSettings;
import dev.aviary.metrics.Measure;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.PolicyNode;

/**
 * {@code type: shadow-agreement}: the share of the same requests on which the canary's answer agrees with the
 * baseline's, judged anytime-valid against {@code minAgreement} ({@link AgreementJudge}).
 *
 * <pre>
 * - name: agreement
 *   type: shadow-agreement
 *   minAgreement: 95%     # required: the share of pairs that must agree, above 0% and below 100%
 *   minPairs: 200         # pairs each step must have before it may PASS (default 200)
 *   source: {replay: {...}}   # or {prometheus: {agreeQuery: ..., totalQuery: ...}}; see SourceSpec
 * </pre>
 *
 * {@code minPairs} does not default to the policy's minRequests: each pair costs a request to each arm at a bounded
 * replay rate, and PASS already needs the confidence sequence's lower bound at or above minAgreement, which takes
 * a few hundred pairs for a canary a few points above it; 200 pairs (100 s at the default 2 per second) only stops a
 * step from passing on a handful of payloads.
 */
public final class ShadowAgreement implements CheckType<ShadowAgreement.Spec> {

    public static final String NAME = "shadow-agreement";
    public static final long DEFAULT_MIN_PAIRS = 200;
    /** A step needing more pairs than this would never end at any bounded replay rate. */
    public static final long MAX_MIN_PAIRS = 1_000_000;

    /**
     * @param minAgreement the share of pairs that must agree, in (0, 1)
     * @param minPairs     pairs each step must have before it may PASS
     */
    public record Spec(String name, double minAgreement, long minPairs, SourceSpec source) implements CheckSpec {

        @Override
        public boolean reachesArmsDirectly() {
            return source.derivesEndpoints();
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<Spec> specClass() {
        return Spec.class;
    }

    @Override
    public Spec read(CheckInput in) {
        ShadowFields.notForShadow(in, NAME);
        PolicyNode c = in.node();
        Double minAgreement = c.fraction("minAgreement", "minAgreement");
        if (!c.has("minAgreement")) {
            c.problemMissing("minAgreement", "a shadow-agreement check needs minAgreement: the share of pairs whose answers "
                    + "must agree, e.g. minAgreement: 95%");
        } else if (minAgreement != null && (minAgreement <= 0 || minAgreement >= 1)) {
            c.problemAt("minAgreement", "minAgreement " + c.raw("minAgreement") + (minAgreement <= 0
                    ? " lets any canary pass, which is no check at all" : " can never be shown: one disagreement in a "
                    + "million would fail it") + "; write a share above 0% and below 100%, e.g. 95%");
            minAgreement = null;
        }
        Long minPairs = ShadowFields.minPairs(c, DEFAULT_MIN_PAIRS, MAX_MIN_PAIRS);
        SourceSpec source = SourceSpec.read(c, NAME, false);
        if (minAgreement == null || minPairs == null || source == null) return null;
        return new Spec(in.name(), minAgreement, minPairs, source);
    }

    @Override
    public Measure measure(Spec check) {
        return check.source().measure(check.name(), false);
    }

    @Override
    public Judge judge(Spec check, JudgeSettings settings) {
        return new AgreementJudge(check.minAgreement(), check.minPairs());
    }
}
