package dev.aviary.daemon;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "aviary.status")
public interface StatusConfig {

    /**
     * How long a hold may leave the last recorded verdicts' numbers in the CanaryRollout: a hold that changes nothing a
     * decision needs is not written more often (anything a decision needs is written at once).
     */
    @WithDefault("5m")
    Duration refresh();
}
