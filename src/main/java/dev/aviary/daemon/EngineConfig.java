package dev.aviary.daemon;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "aviary")
public interface EngineConfig {

    Policies policies();

    LeaderElection leaderElection();

    /** Threads that run policies' ticks; a slow Prometheus for one policy does not hold up the others. */
    @WithDefault("4")
    int workers();

    interface Policies {
        /** Directory of policy files (in a cluster: the mounted ConfigMap). */
        @WithDefault("policies")
        String dir();

        /** How often the directory is re-read. */
        @WithDefault("5s")
        Duration reloadInterval();
    }

    interface LeaderElection {
        /** One active replica at a time, through a Lease. */
        @WithDefault("true")
        boolean enabled();

        @WithDefault("aviary-leader")
        String leaseName();

        /** Namespace of the Lease; defaults to the client's namespace. */
        java.util.Optional<String> namespace();
    }
}
