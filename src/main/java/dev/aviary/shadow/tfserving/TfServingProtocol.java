package dev.aviary.shadow.tfserving;

import dev.aviary.shadow.PredictApi;

/**
 * TensorFlow Serving's REST predict API (tensorflow/serving {@code tensorflow_serving/g3doc/api_rest.md}, "Predict
 * API"): {@code POST {base}/v1/models/{model}:predict}, the model name escaped as one path segment.
 * <p>
 * Payloads: a body holding {@code instances} (row format) or {@code inputs} (columnar format) is sent as it is;
 * anything else is one instance, sent as {@code {"instances": [payload]}}.
 * <p>
 * Answers: {@code predictions} (row format), one per instance, or {@code outputs} (the answer to a columnar
 * request): a list per instance, or named output tensors cut along the batch dimension. Each prediction is a score,
 * a label, a probability vector (labelled by the policy's {@code labels} or by index), the ResNet tutorial's top-k
 * {@code {"labels": [...], "probabilities": [...]}}, a classifier's {@code {"classes": [...], "scores": [...]}}, or
 * one output picked with {@code prediction: /<pointer>}; see {@link dev.aviary.shadow.Answers}.
 */
public final class TfServingProtocol extends PredictApi {

    public static final String NAME = "tfserving";

    public TfServingProtocol() {
        super(NAME, true);
    }
}
