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
     */
    public record Endpoint(URI url, Map<String, String> headers) {

        public Endpoint {
            headers = headers == null ? Map.of() : Map.copyOf(headers);
        }

        public Endpoint(URI url) {
            this(url, Map.of());
        }
    }
}
