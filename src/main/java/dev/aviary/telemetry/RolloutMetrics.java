package dev.aviary.telemetry;

import dev.aviary.analysis.Outcome;
import dev.aviary.policy.Policy;
import dev.aviary.rollout.CheckRecord;
import dev.aviary.rollout.Decision;
import dev.aviary.rollout.Phase;
import dev.aviary.rollout.RolloutController;
import dev.aviary.rollout.RolloutStatus;
import dev.aviary.rollout.TickListener;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The rollouts' series, from what each tick left ({@link TickListener}): phases, weights, steps, decisions, and each
 * check's verdict and e-value against its threshold. Gauges are read from the last tick's status when Prometheus
 * scrapes, and only while this replica leads (a standby replica's last view would count every rollout twice). A
 * rollout whose policy is gone loses its series at the next scrape.
 */
public final class RolloutMetrics implements TickListener {

    /** What the last tick of one rollout left, with its policy (for the e-values its checks fail at). */
    private record Heard(Policy policy, RolloutStatus status) {
        String namespace() {
            return policy.namespace();
        }

        String name() {
            return policy.name();
        }

        /**
         * The e-value at which a check fails, as rollout.StepRules spends alpha: split evenly over the policy's checks;
         * the sample-ratio guard (a verdict of no policy check) splits its share again over the steps, and pauses.
         */
        double threshold(String check) {
            double perCheck = Math.max(1, policy.checks().size()) / policy.alpha();
            boolean policyCheck = policy.checks().stream().anyMatch(c -> c.name().equals(check));
            return policyCheck ? perCheck : perCheck * Math.max(1, policy.steps().size());
        }
    }

    private final Telemetry telemetry;
    private final Supplier<Collection<Policy>> policies;
    private final Map<String, Heard> rollouts = new ConcurrentHashMap<>();
    /** Decisions per rollout, kept here rather than in a Counter so they are forgotten with the rollout, in the same scrape. */
    private final Map<String, Map<Decision, LongAdder>> decisions = new ConcurrentHashMap<>();

    /** @param policies the policies in force: a rollout whose policy is no longer among them is forgotten */
    public RolloutMetrics(Telemetry telemetry, Supplier<Collection<Policy>> policies) {
        this.telemetry = telemetry;
        this.policies = policies;
        var registry = telemetry.registry();
        CounterWithCallback.builder().name("aviary_decisions_total").help("Decisions by rollout and kind, one per tick (hold included)")
                .labelNames("namespace", "rollout", "decision")
                .callback(cb -> heard().forEach(h -> decisions.getOrDefault(h.policy().key(), Map.of())
                        .forEach((d, n) -> cb.call(n.sum(), h.namespace(), h.name(), d.name()))))
                .register(registry);
        GaugeWithCallback.builder().name("aviary_rollouts").help("Rollouts in each phase").labelNames("phase")
                .callback(cb -> {
                    Map<Phase, Integer> counts = new EnumMap<>(Phase.class);
                    for (Phase p : Phase.values()) counts.put(p, 0);
                    current().forEach(h -> counts.merge(h.status().phase(), 1, Integer::sum));
                    counts.forEach((phase, n) -> cb.call(n, phase.name()));
                }).register(registry);
        perRollout("aviary_rollout_phase", "1 for the phase the rollout is in, 0 for the others", "phase",
                (h, cb) -> {
                    for (Phase p : Phase.values()) cb.call(h.status().phase() == p ? 1 : 0, h.namespace(), h.name(), p.name());
                });
        perRollout("aviary_rollout_canary_weight", "The canary's share of traffic as applied on the target, percent", null,
                (h, cb) -> cb.call(h.status().canaryWeight(), h.namespace(), h.name()));
        perRollout("aviary_rollout_step", "The step the rollout is in, counted from 1", null,
                (h, cb) -> cb.call(h.status().step() + 1, h.namespace(), h.name()));
        perCheck("aviary_check_outcome", "1 for the check's last verdict (PASS, FAIL, INCONCLUSIVE, NO_DATA), 0 for the others",
                "outcome", (h, c, cb) -> {
                    for (Outcome o : Outcome.values()) cb.call(c.outcome() == o ? 1 : 0, h.namespace(), h.name(), c.check(), o.name());
                });
        perCheck("aviary_check_evalue", "The check's e-value (evidence against the canary, multiplied across steps)", null,
                (h, c, cb) -> {
                    Double e = eValue(c);
                    if (e != null) cb.call(e, h.namespace(), h.name(), c.check());
                });
        perCheck("aviary_check_evalue_threshold", "The e-value at which the check fails: 1/alpha, alpha split over the checks "
                + "(and over the steps for the sample-ratio guard)", null, (h, c, cb) -> {
                    if (eValue(c) != null) cb.call(h.threshold(c.check()), h.namespace(), h.name(), c.check());
                });
    }

    @Override
    public void ticked(Policy policy, RolloutController.TickResult result) {
        rollouts.put(policy.key(), new Heard(policy, result.status()));
        decisions.computeIfAbsent(policy.key(), k -> new ConcurrentHashMap<>())
                .computeIfAbsent(result.decision(), d -> new LongAdder()).increment();
    }

    /** The check's e-value; null for checks judged otherwise (thresholds, Mann-Whitney, drift p-values). */
    private static Double eValue(CheckRecord c) {
        Double e = c.evidence() == null ? null : c.evidence().eValue();
        return e == null || e.isNaN() ? null : e;
    }

    /**
     * The rollouts whose state to report: those this replica drives now. A rollout that moved to another replica (or
     * any, on a standby) is left to its driver: this replica's last view of it would count it twice.
     */
    private Collection<Heard> current() {
        return heard().stream().filter(h -> telemetry.drives(h.policy().key())).toList();
    }

    /** The rollouts heard of, of the policies in force: the others are forgotten, their decisions with them. */
    private Collection<Heard> heard() {
        Set<String> live = policies.get().stream().map(Policy::key).collect(Collectors.toSet());
        for (String key : List.copyOf(rollouts.keySet())) {
            if (live.contains(key)) continue;
            rollouts.remove(key);
            decisions.remove(key);
        }
        return rollouts.values();
    }

    private interface RolloutSeries {
        void call(Heard rollout, GaugeWithCallback.Callback callback);
    }

    private interface CheckSeries {
        void call(Heard rollout, CheckRecord check, GaugeWithCallback.Callback callback);
    }

    private void perRollout(String name, String help, String extraLabel, RolloutSeries series) {
        gauge(name, help, extraLabel == null ? new String[] {"namespace", "rollout"} : new String[] {"namespace", "rollout", extraLabel},
                cb -> current().forEach(h -> series.call(h, cb)));
    }

    private void perCheck(String name, String help, String extraLabel, CheckSeries series) {
        String[] labels = extraLabel == null ? new String[] {"namespace", "rollout", "check"}
                : new String[] {"namespace", "rollout", "check", extraLabel};
        gauge(name, help, labels, cb -> current().forEach(h -> h.status().checks().forEach(c -> series.call(h, c, cb))));
    }

    private void gauge(String name, String help, String[] labels, Consumer<GaugeWithCallback.Callback> callback) {
        GaugeWithCallback.builder().name(name).help(help).labelNames(labels).callback(callback).register(telemetry.registry());
    }
}
