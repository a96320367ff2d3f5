package dev.aviary.metrics;

import dev.aviary.analysis.Observation;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;
import dev.aviary.traffic.ArmLabels;
import java.time.Duration;

/**
 * Measures checks for both arms over the current step: the extension point for metric backends (one class per
 * backend, e.g. {@code metrics.prometheus}). Failures are never thrown: a source that cannot answer returns
 * {@link Observation.Missing} with the reason, which the judge turns into NO_DATA (hold, never pass).
 */
public interface MetricSource {

    /** One check's observation over the last {@code window} (the time since the step began). */
    Observation observe(Policy policy, CheckSpec check, ArmLabels arms, Duration window);

    /** Requests served by each arm over the window (bad = 0), for the sample-ratio guard. */
    Observation requests(Policy policy, ArmLabels arms, Duration window);
}
