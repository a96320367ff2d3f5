package dev.aviary.traffic;

/**
 * A target as read from the cluster.
 *
 * @param split           the managed routing as it stands now
 * @param resourceVersion the version read, for a conditional write
 * @param ready           whether the target says it serves the split (KServe: Ready and traffic[] shows it;
 *                        Istio: always true)
 * @param canaryIdentity  what identifies the canary being rolled out (KServe: latest created revision;
 *                        Istio: null, the controller derives it from the canary Deployment)
 */
public record LiveTraffic(TrafficSplit split, String resourceVersion, boolean ready, String canaryIdentity) {}
