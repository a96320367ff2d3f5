package dev.aviary.daemon;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The engine's settings as a test sets them: a policy directory, the workers and queue, and the shard Leases' timings. */
public record TestEngineConfig(Path dir, int workers, int queue, boolean leaseElection, String leaseName, int shards, Duration leaseDuration,
        Duration renewDeadline, Duration retryPeriod) implements EngineConfig {

    /** One shard: plain leader election, with the production timings. */
    static TestEngineConfig leaderElection(Path dir) {
        return new TestEngineConfig(dir, 1, 16, true, "aviary-leader", 1, Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));
    }

    @Override
    public Policies policies() {
        return new Policies() {
            public String dir() {
                return dir.toString();
            }

            public Duration reloadInterval() {
                return Duration.ofSeconds(5);
            }
        };
    }

    @Override
    public LeaderElection leaderElection() {
        return new LeaderElection() {
            public boolean enabled() {
                return leaseElection;
            }

            public String leaseName() {
                return leaseName;
            }

            public int shards() {
                return shards;
            }

            public Duration leaseDuration() {
                return leaseDuration;
            }

            public Duration renewDeadline() {
                return renewDeadline;
            }

            public Duration retryPeriod() {
                return retryPeriod;
            }

            public Optional<String> namespace() {
                return Optional.of("test");
            }
        };
    }

    @Override
    public Duration tick() {
        return Duration.ofSeconds(1);
    }

    @Override
    public Optional<String> statusUrl() {
        return Optional.empty();
    }
}
