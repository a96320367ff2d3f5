package dev.aviary.metrics;

/**
 * A mesh's request telemetry as exported to a metric backend: the counter of requests, the duration histogram and
 * the labels that scope them to the policy's service and tell the arms apart. A preset family (e.g.
 * {@code checks.istio.IstioPresets}) names its mesh's; backends build their queries from it.
 *
 * @param requests         the request counter
 * @param durationBucket   the request-duration histogram's bucket series, in milliseconds
 * @param failed           the label matcher that selects failed requests, e.g. {@code response_code=~"5.."}
 * @param fixed            label matchers every query carries (e.g. {@code reporter="destination"}), may be empty
 * @param namespaceLabel   the label holding the policy's namespace
 * @param serviceLabel     the label holding the target's service name, when the arms name one
 * @param armLabel         the label that tells the arms apart; null for the backend's configured one
 */
public record RequestMetrics(String requests, String durationBucket, String failed, String fixed,
                             String namespaceLabel, String serviceLabel, String armLabel) {}
