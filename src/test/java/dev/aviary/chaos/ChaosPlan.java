package dev.aviary.chaos;

import java.time.Duration;

/**
 * How big and how rough the chaos run is; each field is the system property {@code aviary.chaos.<field>} (durations
 * in seconds), e.g. {@code -Daviary.chaos.rollouts=300 -Daviary.chaos.timeout=900} for a longer run by hand.
 *
 * @param namespaces the rollouts are spread over this many namespaces (teams with several models each): Aviary
 *                   watches each namespace with a policy, so this, not the rollouts, sets how many watches each replica opens
 * @param badEvery every n-th rollout's canary is bad (20% errors against the baseline's 1%)
 * @param rps      requests per second each rollout's service gets
 */
record ChaosPlan(int rollouts, int namespaces, int badEvery, int replicas, int shards, double faultRate, double rps, Duration killEvery,
        Duration restartAfter, Duration prometheusDownAt, Duration prometheusDown, Duration lease, Duration renew, Duration retry,
        Duration timeout, long seed) {

    static ChaosPlan fromSystemProperties() {
        return new ChaosPlan(integer("rollouts", 100), integer("namespaces", 10), integer("badEvery", 5), integer("replicas", 3), integer("shards", 12),
                Double.parseDouble(System.getProperty("aviary.chaos.faultRate", "0.2")), Double.parseDouble(System.getProperty("aviary.chaos.rps", "40")),
                seconds("killEvery", 5), seconds("restartAfter", 2), seconds("prometheusDownAt", 12), seconds("prometheusDown", 8),
                seconds("lease", 6), seconds("renew", 4), seconds("retry", 1), seconds("timeout", 170), Long.getLong("aviary.chaos.seed", 12L));
    }

    private static int integer(String field, int otherwise) {
        return Integer.getInteger("aviary.chaos." + field, otherwise);
    }

    private static Duration seconds(String field, long otherwise) {
        return Duration.ofSeconds(Long.getLong("aviary.chaos." + field, otherwise));
    }
}
