package dev.aviary.metrics.prometheus;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Where Prometheus is and how to reach it. The token never leaves this mapping: it is not logged or shown. */
@ConfigMapping(prefix = "aviary.prometheus")
public interface PrometheusConfig {

    /** Base URL, e.g. http://prometheus.istio-system:9090 */
    @WithDefault("http://prometheus.istio-system:9090")
    String url();

    /** Per-request timeout. */
    @WithDefault("5s")
    Duration timeout();

    /** A bearer token (set it from a Secret through an environment variable). */
    Optional<String> bearerToken();

    /** A file holding the bearer token, re-read on every request so a rotated token is picked up. */
    Optional<String> bearerTokenFile();

    Tls tls();

    /** The label that tells the arms apart in Istio's metrics. */
    @WithDefault("destination_version")
    String armLabel();

    interface Tls {
        /** PEM file of the CA that signed Prometheus' certificate. */
        Optional<String> caFile();

        /** Skip certificate verification (for tests only). */
        @WithDefault("false")
        boolean insecureSkipVerify();
    }
}
