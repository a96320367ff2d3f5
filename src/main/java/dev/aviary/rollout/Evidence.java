package dev.aviary.rollout;

import dev.aviary.analysis.Observation;
import dev.aviary.metrics.MetricSource;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;
import dev.aviary.traffic.ArmLabels;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a step is judged on: the arms' metric labels and, per check, what the metric source observed since the step
 * began, with the request counts for the sample-ratio guard.
 *
 * @param arms         the arms' labels; null when the router could not tell them
 * @param armsUnknown  why the arms could not be told apart (null when they could)
 * @param observations per check name; empty when not gathered (the arms read one series)
 * @param requests     both arms' request counts; null when not gathered
 */
public record Evidence(ArmLabels arms, String armsUnknown, Map<String, Observation> observations, Observation requests) {

    public Evidence {
        observations = observations == null ? Map.of() : Map.copyOf(observations);
    }

    public static Evidence armsUnknown(String why) {
        return new Evidence(null, why, Map.of(), null);
    }

    /**
     * Ask the metric source about every check over {@code window} (the daemon reads Prometheus, the simulator its
     * counts); nothing is asked when both arms read one series, which the step rules pause on before judging.
     */
    public static Evidence gather(MetricSource metrics, Policy policy, ArmLabels arms, Duration window) {
        if (StepRules.oneSeries(policy, arms) != null) return new Evidence(arms, null, Map.of(), null);
        Map<String, Observation> observed = new LinkedHashMap<>();
        for (CheckSpec check : policy.checks()) observed.put(check.name(), metrics.observe(policy, check, arms, window));
        // The sample-ratio guard counts requests from the step's second interval on: for a moment after a move the mesh
        // still routes by the old weights (Envoy's config push, a scrape of lag), and that transient, not the routing,
        // would read as a mismatch in the short windows of a step's first looks.
        Duration settled = window.minus(policy.interval());
        Observation requests = settled.isNegative() || settled.isZero()
                ? new Observation.Missing("the step's first interval, while the mesh takes up the new weights")
                : metrics.requests(policy, arms, settled);
        return new Evidence(arms, null, observed, requests);
    }
}
