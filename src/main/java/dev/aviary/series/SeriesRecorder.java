package dev.aviary.series;

import dev.aviary.analysis.Evidence;
import dev.aviary.policy.Policy;
import dev.aviary.rollout.CheckRecord;
import dev.aviary.policy.CheckSpec;
import dev.aviary.rollout.Decider;
import dev.aviary.rollout.Decision;
import dev.aviary.rollout.HistoryEntry;
import dev.aviary.rollout.RolloutController;
import dev.aviary.rollout.RolloutStatus;
import dev.aviary.rollout.TickListener;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Keeps, in memory, a bounded time series per rollout for the status page: every tick's weight, phase, decision and
 * each check's evidence (e-value against its threshold, estimate and bounds). The CanaryRollout keeps only the last
 * verdicts and a short history; this is what lets a person see how the evidence grew. A daemon that restarts starts
 * again from the recorded history.
 */
public final class SeriesRecorder implements TickListener {

    /** Points kept per rollout: 720 ticks are two hours at a 10 s interval before the oldest are thinned. */
    public static final int DEFAULT_CAPACITY = 720;

    private final Clock clock;
    private final Supplier<Collection<String>> livePolicies;
    private final int capacity;
    private final Map<String, RolloutSeries> series = new ConcurrentHashMap<>();

    /**
     * @param livePolicies the keys (namespace/name) of the policies in force: a rollout whose policy is gone is dropped
     */
    public SeriesRecorder(Clock clock, Supplier<Collection<String>> livePolicies, int capacity) {
        if (capacity < 4) throw new IllegalArgumentException("a series needs room for at least 4 points, not " + capacity);
        this.clock = clock;
        this.livePolicies = livePolicies;
        this.capacity = capacity;
    }

    @Override
    public void ticked(Policy policy, RolloutController.TickResult result) {
        RolloutStatus status = result.status();
        if (status == null) return;
        series.keySet().retainAll(Set.copyOf(livePolicies.get()));
        seriesOf(policy.key()).add(point(policy, result, clock.instant().toString()), before(result));
    }

    /** The history before this tick: a tick that decided something appended its own entry, which its point shows. */
    private static List<HistoryEntry> before(RolloutController.TickResult result) {
        List<HistoryEntry> h = result.status().history();
        boolean own = result.decision() != Decision.HOLD && !h.isEmpty() && h.get(h.size() - 1).decision() == result.decision();
        return own ? h.subList(0, h.size() - 1) : h;
    }

    /** Who asked for which control through the API, kept next to the rollout's points. */
    public void requested(String namespace, String name, String action, String by) {
        seriesOf(namespace + "/" + name).requested(new RequestRecord(clock.instant().toString(), action, by));
    }

    /**
     * The series of {@code namespace/name}; {@code recorded} is its CanaryRollout's history, which stands in when this
     * daemon has not ticked the rollout (it restarted, or another replica leads).
     */
    public Series series(String namespace, String name, List<HistoryEntry> recorded) {
        RolloutSeries s = series.get(namespace + "/" + name);
        return (s != null ? s : new RolloutSeries(namespace + "/" + name, capacity)).snapshot(recorded);
    }

    private RolloutSeries seriesOf(String key) {
        return series.computeIfAbsent(key, k -> new RolloutSeries(k, capacity));
    }

    static SeriesPoint point(Policy policy, RolloutController.TickResult result, String at) {
        RolloutStatus status = result.status();
        // the alpha share the judges are given in this step: 1/alpha is the e-value at which a check fails
        double alpha = Decider.stepContext(policy, Math.max(0, Math.min(status.step(), policy.steps().size() - 1))).alpha();
        // the policy's own checks share its alpha; other verdicts (the sample-ratio guard) judge at their own level
        Set<String> own = policy.checks().stream().map(CheckSpec::name).collect(Collectors.toSet());
        List<CheckPoint> checks = status.checks().stream().map(c -> checkPoint(c, own.contains(c.check()) ? alpha : null)).toList();
        return new SeriesPoint(at, status.phase(), status.step() + 1, status.canaryWeight(), result.decision(), false, checks);
    }

    private static CheckPoint checkPoint(CheckRecord c, Double alpha) {
        Evidence e = c.evidence() == null ? Evidence.NONE : c.evidence();
        return new CheckPoint(c.check(), c.outcome(), e.eValue(), e.eValue() == null || alpha == null ? null : 1 / alpha, e.estimate(),
                e.lower(), e.upper());
    }
}
