package dev.aviary.metrics;

import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;

/** What to measure: implemented by the check types' registry ({@code checks.CheckTypes}), asked by metric sources. */
public interface Measures {

    /** What {@code check} observes. */
    Measure of(CheckSpec check);

    /** The request telemetry of the policy's target, whose request counts the sample-ratio guard compares. */
    RequestMetrics requests(Policy policy);
}
