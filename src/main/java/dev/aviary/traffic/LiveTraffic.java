package dev.aviary.traffic;

/**
 * A target as read from the cluster.
 *
 * @param split           the managed routing as its spec stands now (what Aviary or a person last wrote)
 * @param resourceVersion the version read, for a conditional write
 * @param ready           whether the target serves {@code split} now (KServe: the InferenceService is Ready and its
 *                        status' traffic shows the split; Istio: always true, the VirtualService is the routing)
 * @param canaryIdentity  what identifies the canary being rolled out (KServe: latest created revision;
 *                        Istio: a digest of the canary Deployments' pod templates)
 * @param unsettled       when not ready: what the target still reports, one line for the rollout's message;
 *                        null when ready
 */
public record LiveTraffic(TrafficSplit split, String resourceVersion, boolean ready, String canaryIdentity, String unsettled) {

    public LiveTraffic {
        if (ready) unsettled = null;
        else if (unsettled == null) unsettled = "the target does not report that it serves " + split.describe();
    }

    public LiveTraffic(TrafficSplit split, String resourceVersion, boolean ready, String canaryIdentity) {
        this(split, resourceVersion, ready, canaryIdentity, null);
    }

    /** A target whose spec holds {@code split} but which does not serve it yet, and says why. */
    public static LiveTraffic unsettled(TrafficSplit split, String resourceVersion, String canaryIdentity, String why) {
        return new LiveTraffic(split, resourceVersion, false, canaryIdentity, why);
    }
}
