package dev.aviary.analysis;

/**
 * Replays that produced no pair, per arm: sent counts every replay, an arm's count the replays it failed (timeout,
 * connection refused, a non-2xx status, an answer the protocol could not read). The reasons are the arm's latest,
 * one line each, for the verdict; null when the arm never failed.
 */
public record ReplayFailures(long sent, long baseline, long canary, String baselineReason, String canaryReason) {

    public static final ReplayFailures NONE = new ReplayFailures(0, 0, 0, null, null);
}
