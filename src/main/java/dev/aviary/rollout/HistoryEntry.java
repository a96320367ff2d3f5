package dev.aviary.rollout;

/** One decision in the rollout's short history. */
public record HistoryEntry(String at, Decision decision, int step, int canaryWeight, String message) {}
