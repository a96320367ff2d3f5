package dev.aviary.shadow;

import dev.aviary.traffic.ArmEndpoints;

import java.time.Duration;

/**
 * A shadow check's {@code source: {replay: ...}}: which stored requests to send, to which arms, how fast, and how
 * to compare the answers.
 *
 * @param payloads    where the stored requests are: a file or directory (relative to the policy file) of JSON or
 *                    JSON Lines, or {@code configmap/<name>} in the policy's namespace
 * @param protocol    how to ask the servers and read their answers
 * @param endpoints   the arms' URLs as the policy names them; null to derive them from the target (see
 *                    {@code TrafficRouter#endpoints})
 * @param rate        replays per second at most (each replay is one request to each arm)
 * @param concurrency replays in flight at most, per arm
 * @param timeout     how long one request may take before it counts as a failure of its arm
 * @param compare     how a pair of answers is judged to agree
 */
public record ReplaySpec(String payloads, ProtocolSpec protocol, ArmEndpoints endpoints, double rate, int concurrency,
                         Duration timeout, CompareSpec compare) {

    public static final double DEFAULT_RATE = 2;
    public static final int DEFAULT_CONCURRENCY = 4;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
}
