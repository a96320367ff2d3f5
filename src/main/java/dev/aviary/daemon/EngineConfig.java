package dev.aviary.daemon;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "aviary")
public interface EngineConfig {

    Policies policies();

    LeaderElection leaderElection();

    /** How often the engine wakes; each policy still ticks at its own interval. */
    @WithDefault("1s")
    Duration tick();

    /** A link to the status page, for notifications. */
    java.util.Optional<String> statusUrl();

    /**
     * Threads that run policies' ticks; a slow Prometheus for one policy does not hold up the others. Ticks wait on
     * I/O (Prometheus, the API server), not CPU: the scale benchmark found 4 workers all parked on queries.
     */
    @WithDefault("16")
    int workers();

    /**
     * Ticks waiting for a worker, at most; when full, a due tick is skipped and counted (aviary_ticks_skipped_total),
     * and runs at its next slot: the queue never grows with the number of policies.
     */
    @WithDefault("256")
    int queue();

    interface Policies {
        /** Directory of policy files (in a cluster: the mounted ConfigMap). */
        @WithDefault("policies")
        String dir();

        /** How often the directory is re-read. */
        @WithDefault("5s")
        Duration reloadInterval();
    }

    /** Rollouts shared among replicas through shard Leases (see ShardLeases); disabled, this process drives every rollout. */
    interface LeaderElection {
        @WithDefault("true")
        boolean enabled();

        /** Prefix of the Leases: {@code <lease-name>-0 .. -<shards-1>} and {@code <lease-name>-members}. */
        @WithDefault("aviary-shard")
        String leaseName();

        /** Shards the rollouts are hashed onto; 1 is plain leader election (one replica drives everything). */
        @WithDefault("16")
        int shards();

        /** How long a shard stays held without renewal: a dead replica's rollouts move on after this. */
        @WithDefault("15s")
        Duration leaseDuration();

        /** A replica stops ticking a shard it could not renew for this long: shorter than the lease duration. */
        @WithDefault("10s")
        Duration renewDeadline();

        /** How often each replica renews, releases and takes shards. */
        @WithDefault("2s")
        Duration retryPeriod();

        /** Namespace of the Lease; defaults to the client's namespace. */
        java.util.Optional<String> namespace();
    }
}
