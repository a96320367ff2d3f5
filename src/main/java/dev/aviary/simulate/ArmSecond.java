package dev.aviary.simulate;

/** What one arm served in one simulated second: requests, 5xx, and a latency histogram over {@link Buckets}. */
public record ArmSecond(long requests, long errors, long[] buckets) {}
