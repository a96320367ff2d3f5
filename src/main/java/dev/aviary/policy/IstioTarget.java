package dev.aviary.policy;

/**
 * An Istio VirtualService whose http route splits traffic between two DestinationRule subsets.
 *
 * @param route    the http route's name; null means "the route whose destinations hold both subsets"
 * @param baseline the baseline arm
 * @param canary   the canary arm
 */
public record IstioTarget(String virtualService, String route, Arm baseline, Arm canary) implements Target {

    @Override
    public String describe() {
        return "VirtualService/" + virtualService;
    }

    /** Both arms sit behind one host: only a route pinned by a header reaches one subset. */
    @Override
    public boolean pinsArmsByRoute() {
        return true;
    }

    /**
     * @param subset  the DestinationRule subset the route sends to
     * @param version the value of the metrics' arm label (destination_version by default); null means
     *                "the subset's {@code version} label in the DestinationRule, else the subset name"
     * @param host    the destination host; null means "the host already in the route"
     */
    public record Arm(String subset, String version, String host) {}
}
