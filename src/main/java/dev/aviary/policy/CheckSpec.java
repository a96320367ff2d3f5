package dev.aviary.policy;

import java.time.Duration;

/**
 * One check of a policy, as written. Which fields apply depends on {@code type}.
 *
 * @param type        comparison (canary vs baseline on a count of bad events), threshold (an absolute
 *                    value per arm against min/max) or mann-whitney (fixed-horizon, Kayenta-style)
 * @param preset      a built-in query family (see {@link Preset}); null for an explicit query
 * @param query       for threshold: PromQL with {{arm}} and {{window}} placeholders; for comparison without a
 *                    preset: the bad-event count query
 * @param totalQuery  for comparison without a preset: the total-event count query
 * @param tolerance   comparison: how much worse the canary's rate may be, as a fraction (0.10 = 10%)
 * @param slowerThan  latency presets: the bound above which a request counts as slow
 * @param min         threshold: the lowest acceptable value (inclusive), null for none
 * @param max         threshold: the highest acceptable value (inclusive), null for none
 * @param minSamples  threshold: requests the arm must have served before the value may decide
 * @param arm         threshold: which arm the value is taken from (canary by default)
 */
public record CheckSpec(
        String name,
        Type type,
        Preset preset,
        String query,
        String totalQuery,
        double tolerance,
        Duration slowerThan,
        Double min,
        Double max,
        long minSamples,
        String arm) {

    public enum Type { COMPARISON, THRESHOLD, MANN_WHITNEY }

    /** Built-in query families so ML leads write no PromQL. */
    public enum Preset {
        ISTIO_ERROR_RATE("istio-error-rate"),
        ISTIO_SLOW_REQUESTS("istio-slow-requests"),
        ISTIO_SUCCESS_RATE("istio-success-rate"),
        ISTIO_LATENCY_P99("istio-latency-p99");

        private final String yamlName;

        Preset(String yamlName) {
            this.yamlName = yamlName;
        }

        public String yamlName() {
            return yamlName;
        }

        public static Preset fromYaml(String name) {
            for (Preset p : values()) if (p.yamlName.equals(name)) return p;
            return null;
        }
    }
}
