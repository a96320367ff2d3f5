package dev.aviary.metrics;

import dev.aviary.analysis.Observation;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;
import dev.aviary.traffic.ArmLabels;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one metric source the controller asks: sends each check to the source for its kind of measure (e.g. replay
 * checks to the shadow source) and everything else, request counts included, to the default source (Prometheus).
 */
public final class RoutedSource implements MetricSource {

    private final Measures measures;
    private final Map<Class<? extends Measure>, MetricSource> bySort;
    private final MetricSource fallback;

    /**
     * @param bySort   the source for each kind of measure that is not the default source's, tried in order
     * @param fallback the source of every other measure and of the request counts
     */
    public RoutedSource(Measures measures, Map<Class<? extends Measure>, MetricSource> bySort, MetricSource fallback) {
        this.measures = measures;
        this.bySort = new LinkedHashMap<>(bySort);
        this.fallback = fallback;
    }

    @Override
    public Observation observe(Policy policy, CheckSpec check, ArmLabels arms, Duration window) {
        return sourceOf(check).observe(policy, check, arms, window);
    }

    @Override
    public Observation requests(Policy policy, ArmLabels arms, Duration window) {
        return fallback.requests(policy, arms, window);
    }

    MetricSource sourceOf(CheckSpec check) {
        Measure measure = measures.of(check);
        for (Map.Entry<Class<? extends Measure>, MetricSource> e : bySort.entrySet()) {
            if (e.getKey().isInstance(measure)) return e.getValue();
        }
        return fallback;
    }
}
