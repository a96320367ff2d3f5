package dev.aviary.rollout;

import dev.aviary.analysis.Judge;
import dev.aviary.metrics.MetricSource;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.TargetException;
import dev.aviary.traffic.RoutedTarget;
import dev.aviary.traffic.TrafficRouters;
import dev.aviary.traffic.TrafficSplit;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * One tick of one policy's rollout, as coordination: read the CanaryRollout and the target, let the {@link Decider}
 * decide, read the arms and metrics only when its rules need them, and carry the decision out ({@link WriteAhead}).
 * Everything it knows comes from the CanaryRollout, the target and the metrics, so any instance (or a restarted
 * daemon) continues where another stopped.
 *
 * <p>A tick that fails in a way it did not expect holds and is counted in the CanaryRollout ({@link TickFailures});
 * the same failure again and again, or a move that cannot be finished, ends in a pause, never in a loop.
 */
public class RolloutController {

    private final RolloutRepository rollouts;
    private final TrafficRouters routers;
    private final MetricSource metrics;
    private final Decider decider;
    private final Clock clock;
    private final RolloutRecorder recorder;
    private final WriteAhead writeAhead;
    private final TickFailures failures;
    private final TickListener listener;

    public RolloutController(RolloutRepository rollouts, TrafficRouters routers, MetricSource metrics,
            Function<CheckSpec, Judge> judges, Judge sampleRatioGuard, Notifier notifier, Clock clock) {
        this(rollouts, routers, metrics, judges, sampleRatioGuard, notifier, clock, TickListener.NONE);
    }

    /** A controller that records every hold whose status changed, verdict numbers included. */
    public RolloutController(RolloutRepository rollouts, TrafficRouters routers, MetricSource metrics,
            Function<CheckSpec, Judge> judges, Judge sampleRatioGuard, Notifier notifier, Clock clock, TickListener listener) {
        this(rollouts, routers, metrics, judges, sampleRatioGuard, notifier, clock, listener, Duration.ZERO);
    }

    /**
     * @param statusRefresh how long a hold may leave the last recorded verdicts' numbers and message in place (they
     *                      are never needed by a decision); anything a decision needs is recorded at once
     */
    public RolloutController(RolloutRepository rollouts, TrafficRouters routers, MetricSource metrics,
            Function<CheckSpec, Judge> judges, Judge sampleRatioGuard, Notifier notifier, Clock clock, TickListener listener,
            Duration statusRefresh) {
        this.rollouts = rollouts;
        this.routers = Objects.requireNonNull(routers, "routers");
        this.metrics = metrics;
        this.decider = new Decider(judges, sampleRatioGuard);
        this.clock = clock;
        this.recorder = new RolloutRecorder(rollouts, notifier, clock, statusRefresh);
        this.writeAhead = new WriteAhead(recorder);
        this.failures = new TickFailures(rollouts, recorder, clock);
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * What a tick did, for logs, the sandbox and {@link TickListener}s.
     *
     * @param status the rollout's status as this tick left it (its verdicts, weights and history)
     */
    public record TickResult(Decision decision, Phase phase, int step, String message, RolloutStatus status) {}

    public TickResult tick(Policy policy) {
        CanaryRollout cr = rollouts.getOrCreate(policy);
        boolean failing = cr.getStatus().error() != null;
        TickResult result;
        try {
            result = decide(cr, policy);
        } catch (RolloutConflict e) {
            throw e; // someone wrote the CanaryRollout meanwhile: the next tick re-reads and decides again
        } catch (RuntimeException e) {
            return heard(policy, failures.failed(policy, e));
        }
        if (failing) failures.recovered(policy);
        return heard(policy, result);
    }

    /** Tell the listener; watching a rollout never gets in the way of running it. */
    private TickResult heard(Policy policy, TickResult result) {
        try {
            listener.ticked(policy, result);
        } catch (RuntimeException e) {
            // a broken listener loses its own record of this tick, nothing else
        }
        return result;
    }

    private TickResult decide(CanaryRollout cr, Policy policy) {
        RoutedTarget<?> router = routers.route(policy.target(), policy.namespace()).orElse(null);
        if (router == null) {
            return hold(cr, policy, "no traffic router for " + policy.target().describe() + " in this version of Aviary"
                    + "; nothing is moved");
        }
        Instant now = clock.instant();
        LiveTraffic live;
        try {
            live = router.read();
        } catch (TargetException.Gone e) {
            return gone(cr, policy, e.getMessage(), now);
        } catch (TargetException e) {
            // a request stays on the CanaryRollout until a tick can act on it
            return hold(cr, policy, "cannot read " + policy.target().describe() + ": " + e.getMessage());
        }
        Map<String, String> asked = cr.getMetadata().getAnnotations();
        String requestedBy = asked == null ? null : asked.get(CanaryRollout.REQUESTED_BY_ANNOTATION);
        String request = takeRequest(cr);

        Standing standing = decider.stand(cr.getStatus(), policy, live, request, requestedBy, now);
        if (standing.save()) cr = recorder.save(cr, standing.status());
        else cr.setStatus(standing.status());
        RolloutStatus status = standing.status();
        Transition t = switch (standing.next()) {
            case DECIDED -> standing.decided();
            case START -> decider.start(status, policy, live, knownArms(router), now);
            case JUDGE -> decider.judge(status, policy, live, evidence(router, policy, status, now), now);
        };
        return writeAhead.carry(cr, policy, router, live, t, now, request != null);
    }

    /** The arms' labels and what the metrics say about every check since the step began. */
    private Evidence evidence(RoutedTarget<?> router, Policy policy, RolloutStatus status, Instant now) {
        ArmLabels arms;
        try {
            arms = router.armLabels();
        } catch (TargetException e) {
            return Evidence.armsUnknown(e.getMessage());
        }
        return Evidence.gather(metrics, policy, arms, Decider.window(status, now));
    }

    /** The arms' labels when the router can tell them now; null when not (the judge says why when it needs them). */
    private static ArmLabels knownArms(RoutedTarget<?> router) {
        try {
            return router.armLabels();
        } catch (TargetException e) {
            return null;
        }
    }

    /**
     * The target was deleted: a rollout under way stops (paused, so the CanaryRollout keeps where it was and why);
     * a finished or paused one just says so.
     */
    private TickResult gone(CanaryRollout cr, Policy policy, String why, Instant now) {
        RolloutStatus s = cr.getStatus();
        if (s.phase() != Phase.Pending && !s.phase().underway()) return hold(cr, policy, "cannot read " + policy.target().describe() + ": " + why);
        RolloutStatus.Builder b = s.toBuilder();
        b.settle(s.applied() != null ? s.applied() : Weights.of(TrafficSplit.BASELINE_ONLY));
        return recorder.record(cr, policy, Transition.pause(b, s.canaryWeight(), "stopped: " + why
                + "; nothing is moved. Recreate it and resume with: " + CanaryRollout.requestCommand(policy, "resume"), now));
    }

    private TickResult hold(CanaryRollout cr, Policy policy, String message) {
        return recorder.record(cr, policy, Transition.hold(cr.getStatus().toBuilder(), message));
    }

    /** A person's request, taken off the CanaryRollout: the write this tick makes consumes it, so it is acted on once. */
    private static String takeRequest(CanaryRollout cr) {
        Map<String, String> a = cr.getMetadata().getAnnotations();
        String r = a == null ? null : a.get(CanaryRollout.REQUEST_ANNOTATION);
        if (r == null) return null;
        Map<String, String> annotations = new HashMap<>(a);
        annotations.remove(CanaryRollout.REQUEST_ANNOTATION);
        annotations.remove(CanaryRollout.REQUESTED_BY_ANNOTATION);
        cr.getMetadata().setAnnotations(annotations);
        return r.trim().toLowerCase();
    }
}
