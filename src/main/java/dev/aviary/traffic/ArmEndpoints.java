package dev.aviary.traffic;

import java.net.URI;
import java.util.Map;

/**
 * Where each arm answers requests directly, for replaying stored requests to both: named in a policy, or derived
 * from the target by its router.
 *
 * @param how one line for status and events: how the URLs were found, e.g. "the policy's endpoints"
 */
public record ArmEndpoints(Endpoint baseline, Endpoint canary, String how) {

    /**
     * One arm's base URL (protocol paths are appended) and the headers that pin a request to it.
     *
     * @param answerHeaders headers every answer that came through the arm's pin carries (Istio: set by the pinning
     *                      route), empty when there is nothing to check. An answer without them did not take the pin
     *                      (no sidecar on Aviary's pod, a VirtualService not applied to the mesh, routes not yet
     *                      pushed to the proxy) and may come from either arm: it must count as a failure of the arm,
     *                      never as an answer of it.
     */
    public record Endpoint(URI url, Map<String, String> headers, Map<String, String> answerHeaders) {

        public Endpoint {
            headers = headers == null ? Map.of() : Map.copyOf(headers);
            answerHeaders = answerHeaders == null ? Map.of() : Map.copyOf(answerHeaders);
        }

        public Endpoint(URI url, Map<String, String> headers) {
            this(url, headers, Map.of());
        }

        public Endpoint(URI url) {
            this(url, Map.of());
        }
    }
}
