package dev.aviary.policy;

import java.util.Optional;

/** {@code spec.target.kserve}: an InferenceService (and optionally which component), moved by weight steps alone. */
final class KServeTargetSection implements TargetKind {

    @Override
    public String field() {
        return "kserve";
    }

    @Override
    public String moves() {
        return "an InferenceService";
    }

    @Override
    public String movesFully() {
        return "an InferenceService";
    }

    @Override
    public Class<KServeTarget> type() {
        return KServeTarget.class;
    }

    @Override
    public Target read(PolicyNode ks) {
        ks.checkKnown(PolicyFields.KSERVE);
        String isvc = ks.text("inferenceService", true);
        if (isvc != null && ks.check("inferenceService", Names.INFERENCE_SERVICE.check("inferenceService", isvc))) isvc = null;
        String component = ks.text("component", false);
        if (component != null && ks.check("component", KServeTarget.COMPONENTS.contains(component) ? Optional.empty()
                : Optional.of("component " + OneLine.quote(component) + " is not a KServe component; use one of "
                + String.join(", ", KServeTarget.COMPONENTS) + " (default predictor)"))) {
            return null;
        }
        return isvc == null ? null : new KServeTarget(isvc, component);
    }

    @Override
    public Optional<String> refuses(Step.Kind kind, String field) {
        return kind == Step.Kind.WEIGHT ? Optional.empty() : Optional.of(field + " steps need an Istio target; KServe "
                + "moves traffic only with canaryTrafficPercent, so use weight steps");
    }
}
