package dev.aviary.traffic.kserve;

import dev.aviary.traffic.ArmEndpoints;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.JsonPatch;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.TargetException;
import dev.aviary.traffic.TrafficSplit;

import java.net.URI;

/**
 * How one KServe deployment mode expresses a canary: pure functions of the InferenceService as read, no I/O.
 * {@link ServerlessCanary} moves {@code canaryTrafficPercent}, {@link StandardCanary} moves {@code spec.canary[]}.
 */
interface CanaryMode {

    /** The managed weight as the spec holds it, whether KServe serves it yet, and the canary's identity. */
    LiveTraffic read(InferenceService isvc, String component) throws TargetException;

    /** The edit that moves the managed weight to {@code desired}, touching nothing else; empty when already there. */
    JsonPatch patch(InferenceService isvc, String component, TrafficSplit desired) throws TargetException;

    /** The arms' metric label values, read from the status at this tick. */
    ArmLabels arms(InferenceService isvc, String component) throws TargetException;

    /**
     * Where each arm answers directly, in the InferenceService's namespace {@code ns}.
     *
     * @throws TargetException when there is no canary to reach now (none in flight, not ready): ask again later
     */
    ArmEndpoints endpoints(InferenceService isvc, String component, String ns) throws TargetException;

    /**
     * A Service's cluster-local address on its default port 80: both KServe's predictor Services and Knative's
     * revision and tag Services expose the model's HTTP there.
     */
    static ArmEndpoints.Endpoint service(String name, String ns) {
        return new ArmEndpoints.Endpoint(URI.create("http://" + name + "." + ns + ".svc.cluster.local"));
    }
}
