package dev.aviary.policy;

/** {@code spec.target.istio}: a VirtualService, its route, and the two DestinationRule subsets it splits between. */
final class IstioTargetSection implements TargetKind {

    @Override
    public String field() {
        return "istio";
    }

    @Override
    public String moves() {
        return "a VirtualService";
    }

    @Override
    public String movesFully() {
        return "a VirtualService with baseline and canary subsets";
    }

    @Override
    public Class<IstioTarget> type() {
        return IstioTarget.class;
    }

    @Override
    public Target read(PolicyNode is) {
        is.checkKnown(PolicyFields.ISTIO);
        String vs = is.text("virtualService", true);
        if (vs != null && is.check("virtualService", Names.OBJECT.check("virtualService", vs))) vs = null;
        String route = is.text("route", false);
        boolean badRoute = route != null && is.check("route", Names.ROUTE.check("route", route));
        IstioTarget.Arm baseline = arm(is, "baseline");
        IstioTarget.Arm canary = arm(is, "canary");
        if (baseline != null && canary != null) {
            // The arms are told apart only by their metric label (whatever the hosts): one subset, or one version,
            // for both would compare a series with itself, and no check could ever fail.
            PolicyNode c = is.child("canary");
            if (baseline.subset().equals(canary.subset())) {
                c.problem(c.pos("subset"), c.path("subset"), "baseline and canary are both subset "
                        + OneLine.quote(canary.subset()) + "; they must be different subsets of the DestinationRule");
                canary = null;
            } else if (baseline.version() != null && baseline.version().equals(canary.version())) {
                c.problem(c.pos("version"), c.path("version"), "baseline and canary both have version "
                        + OneLine.quote(canary.version()) + "; the metrics would show one series for both arms, so "
                        + "no check could tell them apart");
                canary = null;
            }
        }
        if (vs == null || badRoute || baseline == null || canary == null) return null;
        return new IstioTarget(vs, route, baseline, canary);
    }

    private static IstioTarget.Arm arm(PolicyNode istio, String which) {
        PolicyNode arm = istio.obj(which, true);
        if (arm == null) return null;
        arm.checkKnown(PolicyFields.ARM);
        String subset = arm.text("subset", true);
        String version = arm.text("version", false);
        String host = arm.text("host", false);
        boolean bad = subset != null && arm.check("subset", Names.SUBSET.check("subset", subset));
        bad |= version != null && arm.check("version", Names.LABEL_VALUE.check("version", version));
        bad |= host != null && arm.check("host", Names.HOST.check("host", host));
        return subset == null || bad ? null : new IstioTarget.Arm(subset, version, host);
    }
}
