package dev.aviary.shadow.kservev1;

import dev.aviary.shadow.PredictApi;

/**
 * KServe's V1 protocol (KServe's "V1 Protocol" page, https://kserve.github.io/website/docs/concepts/architecture/data-plane/v1-protocol,
 * and kserve/website {@code docs/modelserving/data_plane/v1_protocol.md}): {@code POST {base}/v1/models/{model}:predict}
 * with {@code {"instances": [...]}} or {@code {"inputs": [...]}}, answered by {@code {"predictions": [...]}}; it is
 * TF Serving's row format, so the request and answer handling is {@link PredictApi}'s.
 * <p>
 * Payloads: a body holding {@code instances} or {@code inputs} is sent as it is; anything else is one instance, sent
 * as {@code {"instances": [payload]}}.
 * <p>
 * Answers: {@code predictions}, one per instance: a score, a label, a class index with the policy's {@code labels}
 * (sklearn's {@code {"predictions": [1, 1]}}), a probability vector ({@code predict_proba}), a top-k
 * {@code {labels, probabilities}} object, or one output picked with {@code prediction: /<pointer>}; see
 * {@link dev.aviary.shadow.Answers}. KServe servers do not answer with TF Serving's columnar {@code outputs}.
 */
public final class KServeV1Protocol extends PredictApi {

    public static final String NAME = "kserve-v1";

    public KServeV1Protocol() {
        super(NAME, false);
    }
}
