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
import java.time.Duration;
import java.util.Map;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.FaultToleranceException;

/**
 * A mesh's request metrics and the policy's own PromQL, read from Prometheus. What to read for a check comes from
 * its check type ({@link Measures}); how to read it is {@link PromReading}. Failures become
 * {@link Observation.Missing}, never exceptions. Injected as itself only: the controller's {@link MetricSource} is the
 * daemon's routed one ({@code daemon.Beans}), which sends the checks Prometheus answers here.
 */
@ApplicationScoped
@Typed(PrometheusSource.class)
public class PrometheusSource implements MetricSource {

    private final PrometheusClient prometheus;
    private final String defaultArmLabel;
    private final Measures measures;

    public PrometheusSource(PrometheusClient prometheus, PrometheusConfig config, Measures measures) {
        this.prometheus = prometheus;
        this.defaultArmLabel = config.armLabel();
        this.measures = measures;
    }

    @Override
    public Observation requests(Policy policy, ArmLabels arms, Duration window) {
        RequestMetrics family = measures.requests(policy);
        return read(family, policy, arms, window, r -> r.counts(r.requestsByArm(""), Map.of(), "requests"));
    }

    @Override
    public Observation observe(Policy policy, CheckSpec check, ArmLabels arms, Duration window) {
        Measure measure = measures.of(check);
        RequestMetrics family = PromReading.family(measure);
        return read(family == null ? measures.requests(policy) : family, policy, arms, window, r -> r.measure(measure));
    }

    private interface Step {
        Observation read(PromReading reading) throws PrometheusException;
    }

    private Observation read(RequestMetrics family, Policy policy, ArmLabels arms, Duration window, Step step) {
        try {
            return step.read(new PromReading(prometheus, family, defaultArmLabel, policy, arms, window));
        } catch (PrometheusException e) {
            return new Observation.Missing(e.getMessage());
        } catch (FaultToleranceException e) {
            return new Observation.Missing(unavailable(e));
        }
    }

    /** The circuit breaker is open or a call timed out: Prometheus failed repeatedly just before. */
    private static String unavailable(FaultToleranceException e) {
        return e instanceof CircuitBreakerOpenException ? "Prometheus failed repeatedly; not asking again for a few seconds"
                : "Prometheus did not answer in time (" + e.getClass().getSimpleName() + ")";
    }
}
