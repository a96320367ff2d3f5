package dev.aviary.shadow;

import java.net.URI;
import java.util.List;

/**
 * One model-serving protocol: how to turn a stored payload into an HTTP request to one arm, and how to read the
 * predictions out of its answer. The extension point for protocols: one class each ({@code shadow.tfserving},
 * {@code shadow.kservev1}, {@code shadow.v2}, {@code shadow.json}). Stateless and plain Java: the HTTP call is the
 * replay runner's.
 */
public interface PredictionProtocol {

    /** The name a policy writes after {@code protocol:}. */
    String name();

    /**
     * The request that asks the server at {@code base} to predict {@code payload}.
     *
     * @throws ReplayException.BadPayload when the payload cannot be sent with this protocol (says which and why)
     */
    HttpCall request(URI base, Payload payload, ProtocolSpec spec) throws ReplayException.BadPayload;

    /**
     * The predictions in a 2xx answer's body, one per instance of the request, in order.
     *
     * @throws ReplayException.Malformed when the body is not such an answer (one line: what was expected)
     */
    List<Prediction> predictions(String body, ProtocolSpec spec) throws ReplayException.Malformed;

    /** An HTTP POST to make: the full URI and the JSON body. */
    record HttpCall(URI uri, String body) {}
}
