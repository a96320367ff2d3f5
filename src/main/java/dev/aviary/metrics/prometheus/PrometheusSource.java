package dev.aviary.metrics.prometheus;

import dev.aviary.analysis.Observation;
import dev.aviary.metrics.Measure;
import dev.aviary.metrics.Measures;
import dev.aviary.metrics.MetricSource;
import dev.aviary.metrics.RequestMetrics;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;
import dev.aviary.traffic.ArmLabels;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A mesh's request metrics and the policy's own PromQL, read from Prometheus. What to read for a check comes from
 * its check type ({@link Measures}); how to read it is {@link PromReading}. Failures become
 * {@link Observation.Missing}, never exceptions. Injected as itself only: the controller's {@link MetricSource} is the
 * daemon's routed one ({@code daemon.Beans}), which sends the checks Prometheus answers here.
 *
 * <p>The daemon's source reads request presets through {@link CounterBatch} (one query per metric family per second
 * for all rollouts); the policy's own PromQL, and a rollout whose counters were reset this step, are read per
 * rollout. Each query fails alone, as its own rollout's NO_DATA: nothing is shared that one policy could break.
 */
@ApplicationScoped
@Typed(PrometheusSource.class)
public class PrometheusSource implements MetricSource {

    private final PrometheusClient prometheus;
    private final String defaultArmLabel;
    private final Measures measures;
    /** The batched counters; null when every rollout reads its own queries. */
    private final CounterBatch batch;
    private final Clock clock;

    /** Every query per rollout (tools and tests that compare the two ways). */
    public PrometheusSource(PrometheusClient prometheus, PrometheusConfig config, Measures measures) {
        this(prometheus, config, measures, null);
    }

    /** Request presets batched across rollouts, step windows read on {@code clock} (the controller's). */
    @Inject
    public PrometheusSource(PrometheusClient prometheus, PrometheusConfig config, Measures measures, Clock clock) {
        this.prometheus = prometheus;
        this.defaultArmLabel = config.armLabel();
        this.measures = measures;
        this.clock = clock;
        this.batch = clock == null ? null : new CounterBatch(prometheus, clock);
    }

    @Override
    public Observation requests(Policy policy, ArmLabels arms, Duration window) {
        RequestMetrics family = measures.requests(policy);
        return read(family, policy, arms, window, r -> {
            Observation batched = batch == null ? null : batch.requests(r, start(window));
            return batched != null ? batched : r.counts(r.requestsByArm(""), Map.of(), "requests");
        });
    }

    @Override
    public Observation observe(Policy policy, CheckSpec check, ArmLabels arms, Duration window) {
        Measure measure = measures.of(check);
        RequestMetrics family = PromReading.family(measure);
        return read(family == null ? measures.requests(policy) : family, policy, arms, window, r -> {
            Observation batched = batch == null ? null : batch.measure(r, measure, start(window));
            return batched != null ? batched : r.measure(measure);
        });
    }

    /** The window's start: the step's start, as the controller computed the window from it a moment ago. */
    private Instant start(Duration window) {
        return clock.instant().minus(window);
    }

    private interface Step {
        Observation read(PromReading reading) throws PrometheusException;
    }

    private Observation read(RequestMetrics family, Policy policy, ArmLabels arms, Duration window, Step step) {
        try {
            return step.read(new PromReading(prometheus, family, defaultArmLabel, policy, arms, window));
        } catch (PrometheusException e) {
            return new Observation.Missing(e.getMessage());
        }
    }
}
