package dev.aviary.metrics.prometheus;

import java.time.Duration;
import java.util.Optional;

/** A PrometheusConfig for tests that build the client without CDI. */
public record TestPrometheusConfig(String url, Optional<String> bearerToken) implements PrometheusConfig {

    public TestPrometheusConfig(String url) {
        this(url, Optional.empty());
    }

    @Override
    public Duration timeout() {
        return Duration.ofSeconds(5);
    }

    @Override
    public Optional<String> bearerTokenFile() {
        return Optional.empty();
    }

    @Override
    public Tls tls() {
        return new Tls() {
            @Override
            public Optional<String> caFile() {
                return Optional.empty();
            }

            @Override
            public boolean insecureSkipVerify() {
                return false;
            }
        };
    }

    @Override
    public String armLabel() {
        return "destination_version";
    }
}
