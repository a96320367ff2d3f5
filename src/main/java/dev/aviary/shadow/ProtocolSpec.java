package dev.aviary.shadow;

import java.util.List;

/**
 * How to ask one model server and read its answer, as the policy's {@code source.replay} says.
 *
 * @param protocol   tfserving, kserve-v1, v2 (Open Inference Protocol) or json (a custom server such as BentoML)
 * @param model      the model name in the protocol's path ({@code /v1/models/{model}:predict}, {@code
 *                   /v2/models/{model}/infer}); null for json
 * @param path       json only: the request path, e.g. {@code /classify}
 * @param prediction json only: a JSON Pointer to the prediction in the answer, e.g. {@code /prediction}; also
 *                   accepted for tfserving and kserve-v1 to pick a named output inside each prediction
 * @param output     v2 only: the name of the output tensor holding the prediction (the first output when null)
 * @param labels     class labels for answers that give bare probability vectors, in index order; empty when the
 *                   answer names its labels (or is numeric)
 */
public record ProtocolSpec(String protocol, String model, String path, String prediction, String output,
                           List<String> labels) {

    public ProtocolSpec {
        labels = labels == null ? List.of() : List.copyOf(labels);
    }
}
