package dev.aviary.rollout;

import dev.aviary.analysis.Judge;
import dev.aviary.analysis.JudgeMemory;
import dev.aviary.analysis.Observation;
import dev.aviary.analysis.Outcome;
import dev.aviary.analysis.StepContext;
import dev.aviary.analysis.Verdict;
import dev.aviary.metrics.MetricSource;
import dev.aviary.notify.Notifier;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Durations;
import dev.aviary.policy.Policy;
import dev.aviary.policy.Step;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.TargetException;
import dev.aviary.traffic.RoutedTarget;
import dev.aviary.traffic.TrafficRouters;
import dev.aviary.traffic.TrafficSplit;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One tick of one policy's rollout: read where it stands, judge, decide, move. Everything it knows comes from the
 * CanaryRollout, the target and the metrics, so any instance (or a restarted daemon) continues where another
 * stopped.
 *
 * <p>Writes go intent first: the intended weights are recorded in the CanaryRollout (resourceVersion-guarded),
 * then the target is patched (resourceVersion-guarded), then the weights are recorded as applied. A tick that
 * finds an intent in flight compares the live weights with it: equal means the patch landed (confirm), equal to
 * the weights before it means it did not (re-apply), anything else means a person changed them (pause).
 *
 * <p>A tick that fails in a way it did not expect holds and is counted in the CanaryRollout ({@link TickFailures});
 * the same failure again and again, or a move that cannot be finished, ends in a pause, never in a loop.
 */
public class RolloutController {

    static final String SAMPLE_RATIO_CHECK = "sample-ratio";

    private final RolloutRepository rollouts;
    private final TrafficRouters routers;
    private final MetricSource metrics;
    private final Function<CheckSpec, Judge> judges;
    private final Judge sampleRatioGuard;
    private final Clock clock;
    private final RolloutRecorder recorder;
    private final TickFailures failures;

    public RolloutController(RolloutRepository rollouts, TrafficRouters routers, MetricSource metrics,
            Function<CheckSpec, Judge> judges, Judge sampleRatioGuard, Notifier notifier, Clock clock) {
        this.rollouts = rollouts;
        this.routers = Objects.requireNonNull(routers, "routers");
        this.metrics = metrics;
        this.judges = judges;
        this.sampleRatioGuard = sampleRatioGuard;
        this.clock = clock;
        this.recorder = new RolloutRecorder(rollouts, notifier, clock);
        this.failures = new TickFailures(rollouts, recorder, clock);
    }

    /** What a tick did, for logs and the sandbox. */
    public record TickResult(Decision decision, Phase phase, int step, String message) {}

    /** Requests that outrank finishing Aviary's own move and outrank pausing for a hand edit: a person's order. */
    private static final java.util.Set<String> ORDERS = java.util.Set.of("abort", "promote", "restart", "pause");

    public TickResult tick(Policy policy) {
        CanaryRollout cr = rollouts.getOrCreate(policy);
        boolean failing = cr.getStatus().error() != null;
        TickResult result;
        try {
            result = decide(cr, policy);
        } catch (RolloutConflict e) {
            throw e; // someone wrote the CanaryRollout meanwhile: the next tick re-reads and decides again
        } catch (RuntimeException e) {
            return failures.failed(policy, e);
        }
        if (failing) failures.recovered(policy);
        return result;
    }

    private TickResult decide(CanaryRollout cr, Policy policy) {
        RolloutStatus status = cr.getStatus();
        RoutedTarget<?> router = routers.route(policy.target(), policy.namespace()).orElse(null);
        if (router == null) {
            return hold(cr, policy, "no traffic router for " + policy.target().describe() + " in this version of Aviary"
                    + " (Istio VirtualServices only); nothing is moved");
        }
        Instant now = clock.instant();

        LiveTraffic live;
        try {
            live = router.read();
        } catch (TargetException e) {
            // a request stays on the CanaryRollout until a tick can act on it
            return hold(cr, policy, "cannot read " + policy.target().describe() + ": " + e.getMessage());
        }
        String request = request(cr);
        if (request != null) {
            // consumed by whichever write this tick makes, so a request is acted on once
            Map<String, String> annotations = new HashMap<>(cr.getMetadata().getAnnotations());
            annotations.remove(CanaryRollout.REQUEST_ANNOTATION);
            annotations.remove(CanaryRollout.REQUESTED_BY_ANNOTATION);
            cr.getMetadata().setAnnotations(annotations);
        }
        boolean order = request != null && ORDERS.contains(request);
        String identity = live.canaryIdentity();

        // A write in flight when the last tick ended (crash, conflict): finish it or notice a person's hand.
        if (status.intended() != null) {
            Weights liveWeights = Weights.of(live.split());
            if (liveWeights.equals(status.intended())) {
                RolloutStatus.Builder b = status.toBuilder();
                confirmApplied(b, status.intended(), now);
                cr = recorder.save(cr, b);
                status = cr.getStatus();
            } else if (order) {
                // a person's order replaces the unfinished move; it starts from what is live
                RolloutStatus.Builder b = status.toBuilder();
                b.settle(liveWeights);
                if (b.phase.terminal()) b.phase = Phase.Progressing;
                cr.setStatus(b.build());
                status = cr.getStatus();
            } else if (liveWeights.equals(status.previous()) && live.resourceVersion().equals(status.intendedOn())) {
                // the target is untouched since the intent was recorded: the patch never landed
                if (newCanary(status, identity)) {
                    // a new build never inherits a move decided for the old one: it starts over below
                    RolloutStatus.Builder b = status.toBuilder();
                    b.settle(liveWeights);
                    cr.setStatus(b.build());
                    status = cr.getStatus();
                } else if (status.attempts() >= TickFailures.LIMIT) {
                    RolloutStatus.Builder b = status.toBuilder();
                    b.settle(liveWeights);
                    return pause(cr, policy, live, b, TickFailures.unfinishedMove(policy, status, live.split().describe()));
                } else {
                    return apply(cr, policy, router, live, status.intended().toSplit(), status.lastDecision(), status.phase(),
                            "finishing the interrupted move to " + status.intended().toSplit().describe(), status.toBuilder());
                }
            } else {
                // the target was written since the intent (a revert looks exactly like "never landed"): ask a person
                return pauseForHuman(cr, policy, live, status.intended());
            }
        } else if (status.applied() != null && !Weights.of(live.split()).equals(status.applied())
                && status.phase() == Phase.Progressing && !order) {
            return pauseForHuman(cr, policy, live, status.applied());
        }

        // A new canary (changed pod template / revision), or a person asked to start over.
        boolean newCanary = newCanary(status, identity);
        if (newCanary || "restart".equals(request)) {
            RolloutStatus.Builder b = status.toBuilder();
            b.phase = Phase.Pending;
            b.step = 0;
            b.stepStartedAt = null;
            b.memory = Map.of();
            b.noDataSince = null;
            b.canaryIdentity = identity;
            b.policyHash = policy.hash();
            return start(cr, policy, router, live, b, newCanary ? "new canary " + identity + ": starting a new rollout"
                    : "restart requested: starting a new rollout");
        }
        if (identity != null && status.canaryIdentity() == null) {
            // remember which build this rollout is about, whichever way it left Pending
            RolloutStatus.Builder b = status.toBuilder();
            b.canaryIdentity = identity;
            cr = recorder.save(cr, b);
            status = cr.getStatus();
        }

        switch (request == null ? "" : request) {
            case "pause" -> {
                if (!status.phase().terminal() && status.phase() != Phase.Paused) {
                    return pause(cr, policy, live, "paused on request");
                }
            }
            case "abort" -> {
                if (!status.phase().terminal()) {
                    return apply(cr, policy, router, live, TrafficSplit.BASELINE_ONLY, Decision.ROLLBACK, Phase.RolledBack,
                            "aborted on request", status.toBuilder());
                }
            }
            case "promote" -> {
                if (!status.phase().terminal()) {
                    return apply(cr, policy, router, live, new TrafficSplit(100, null, 0), Decision.PROMOTE, Phase.Promoted,
                            "promoted on request, skipping the remaining analysis", status.toBuilder());
                }
            }
            case "resume" -> {
                if (status.phase() == Phase.Paused) {
                    RolloutStatus.Builder b = status.toBuilder();
                    b.noDataSince = null;
                    Step step = policy.steps().get(Math.min(status.step(), policy.steps().size() - 1));
                    return apply(cr, policy, router, live, TrafficSplit.forStep(step), Decision.RESUME, Phase.Progressing,
                            "resumed on request: re-applying step " + (status.step() + 1) + " (" + step.describe() + ")", b);
                }
            }
            default -> { }
        }
        if (request != null && (status.phase() == Phase.Paused || status.phase().terminal())) {
            cr = recorder.save(cr, status.toBuilder());
        }

        return switch (status.phase()) {
            case Pending -> {
                RolloutStatus.Builder b = status.toBuilder();
                b.canaryIdentity = identity;
                b.policyHash = policy.hash();
                // nothing has moved yet: arms that cannot be told apart stop the rollout before it starts
                String oneSeries = oneSeries(policy, knownArms(router, policy));
                yield oneSeries != null ? pause(cr, policy, live, b, oneSeries) : start(cr, policy, router, live, b, "starting the rollout");
            }
            case Progressing -> judge(cr, policy, router, live, now);
            case Paused, Promoted, RolledBack -> new TickResult(Decision.HOLD, status.phase(), status.step(), status.message());
        };
    }

    /** A canary other than the one this rollout is about (changed pod template, new revision). */
    private static boolean newCanary(RolloutStatus status, String identity) {
        return identity != null && !identity.equals(status.canaryIdentity())
                // an identity first seen mid-rollout may belong to a build the evidence so far was not about
                && (status.canaryIdentity() != null || status.phase() == Phase.Progressing);
    }

    private TickResult start(CanaryRollout cr, Policy policy, RoutedTarget<?> router, LiveTraffic live, RolloutStatus.Builder b,
            String message) {
        b.step = 0;
        b.memory = Map.of();
        b.checks = List.of();
        return apply(cr, policy, router, live, TrafficSplit.forStep(policy.steps().get(0)), Decision.START, Phase.Progressing,
                message + ": step 1 (" + policy.steps().get(0).describe() + ")", b);
    }

    private TickResult judge(CanaryRollout cr, Policy policy, RoutedTarget<?> router, LiveTraffic live, Instant now) {
        RolloutStatus status = cr.getStatus();
        int index = Math.min(status.step(), policy.steps().size() - 1);
        Step step = policy.steps().get(index);
        Instant stepStart = status.stepStartedAt() == null ? now : Instant.parse(status.stepStartedAt());
        Duration elapsed = Duration.between(stepStart, now);

        ArmLabels arms;
        try {
            arms = router.armLabels();
        } catch (TargetException e) {
            return hold(cr, policy, "cannot tell the arms apart: " + e.getMessage());
        }
        String oneSeries = oneSeries(policy, arms);
        if (oneSeries != null) return pause(cr, policy, live, oneSeries);
        StepContext ctx = new StepContext(expectedCanaryShare(step), index, policy.steps().size(),
                policy.alpha() / Math.max(1, policy.checks().size()), policy.minRequests());

        List<Verdict> verdicts = new ArrayList<>();
        Map<String, Observation> observed = new HashMap<>();
        Map<String, Judge> judgeOf = new HashMap<>();
        for (CheckSpec check : policy.checks()) {
            Observation o = metrics.observe(policy, check, arms, elapsed);
            Judge judge = judges.apply(check);
            observed.put(check.name(), o);
            judgeOf.put(check.name(), judge);
            verdicts.add(judge.judge(check.name(), o, ctx, memory(status, check.name())));
        }
        Verdict ratio = sampleRatioGuard.judge(SAMPLE_RATIO_CHECK, metrics.requests(policy, arms, elapsed), ctx, JudgeMemory.EMPTY);
        List<CheckRecord> records = new ArrayList<>(verdicts.stream().map(CheckRecord::of).toList());
        records.add(CheckRecord.of(ratio));

        RolloutStatus.Builder b = status.toBuilder();
        b.checks = records;
        List<Verdict> failed = verdicts.stream().filter(v -> v.outcome() == Outcome.FAIL).toList();
        if (!failed.isEmpty()) {
            return apply(cr, policy, router, live, TrafficSplit.BASELINE_ONLY, Decision.ROLLBACK, Phase.RolledBack,
                    messages(failed), b);
        }
        if (ratio.outcome() == Outcome.FAIL) {
            return pause(cr, policy, live, b, "the routing does not match the policy (is the DestinationRule missing, or do the"
                    + " pods lack the version labels?): " + ratio.message());
        }
        List<Verdict> missing = verdicts.stream().filter(v -> v.outcome() == Outcome.NO_DATA).toList();
        if (!missing.isEmpty()) {
            Instant since = status.noDataSince() == null ? now : Instant.parse(status.noDataSince());
            b.noDataSince = since.toString();
            Duration without = Duration.between(since, now);
            if (without.compareTo(policy.noData().tolerate()) > 0) {
                String why = "no data for " + seconds(without) + " (tolerated: " + seconds(policy.noData().tolerate()) + "): "
                        + messages(missing);
                return policy.noData().then() == Policy.TimeoutAction.ROLLBACK
                        ? apply(cr, policy, router, live, TrafficSplit.BASELINE_ONLY, Decision.ROLLBACK, Phase.RolledBack, why, b)
                        : pause(cr, policy, live, b, why);
            }
            return hold(cr, policy, b, "holding, no data: " + messages(missing));
        }
        b.noDataSince = null;
        boolean allPass = verdicts.stream().allMatch(v -> v.outcome() == Outcome.PASS);
        boolean stepDone = allPass && elapsed.compareTo(step.minDuration()) >= 0;
        // a step whose checks all pass advances even when it ran long (after an outage, say): timing out is for
        // steps that are still inconclusive
        if (!stepDone && elapsed.compareTo(policy.maxStepDuration()) > 0) {
            String why = "step " + (index + 1) + " still inconclusive after " + seconds(elapsed) + " (maxStepDuration "
                    + seconds(policy.maxStepDuration()) + ")";
            return policy.onTimeout() == Policy.TimeoutAction.ROLLBACK
                    ? apply(cr, policy, router, live, TrafficSplit.BASELINE_ONLY, Decision.ROLLBACK, Phase.RolledBack, why, b)
                    : pause(cr, policy, live, b, why);
        }
        if (!stepDone) {
            String why = allPass ? "all checks pass; step " + (index + 1) + " runs at least " + seconds(step.minDuration())
                    + " (" + seconds(elapsed) + " so far)"
                    : "waiting for evidence: " + messages(verdicts.stream().filter(v -> v.outcome() != Outcome.PASS).toList());
            return hold(cr, policy, b, why);
        }

        // Every check passed: fold this step's evidence into what later steps inherit, then move on.
        Map<String, Map<String, Double>> memory = new HashMap<>(status.memory());
        for (CheckSpec check : policy.checks()) {
            memory.put(check.name(), judgeOf.get(check.name()).endStep(observed.get(check.name()), ctx, memory(status, check.name())).values());
        }
        b.memory = memory;
        int next = index + 1;
        // passing the last step promotes, whatever weight it had
        Step nextStep = next < policy.steps().size() ? policy.steps().get(next) : null;
        b.step = Math.min(next, policy.steps().size() - 1);
        if (nextStep == null || nextStep.isPromotion()) {
            return apply(cr, policy, router, live, new TrafficSplit(100, null, 0), Decision.PROMOTE, Phase.Promoted,
                    "every step passed (" + verdicts.size() + " checks pass): promoting", b);
        }
        return apply(cr, policy, router, live, TrafficSplit.forStep(nextStep), Decision.ADVANCE, Phase.Progressing,
                "step " + (index + 1) + " passed (" + verdicts.size() + " checks pass): step " + (next + 1) + " (" + nextStep.describe() + ")", b);
    }

    /** Intent first, then the target, then the record of what was applied. */
    private TickResult apply(CanaryRollout cr, Policy policy, RoutedTarget<?> router, LiveTraffic live, TrafficSplit desired,
            Decision decision, Phase phase, String message, RolloutStatus.Builder b) {
        Instant now = clock.instant();
        // counted before the patch, so a move whose patch kills the daemon is not tried forever either
        b.attempts = Weights.of(desired).equals(b.intended) ? b.attempts + 1 : 1;
        b.intended = Weights.of(desired);
        b.previous = Weights.of(live.split());
        b.intendedOn = live.resourceVersion();
        b.phase = phase;
        b.lastDecision = decision;
        b.message = message;
        b.history = RolloutRecorder.appendHistory(b.history, now, decision, b.step, desired.canaryWeight(), message);
        cr = recorder.save(cr, b);

        if (!desired.equals(live.split())) {
            try {
                patch(policy, router, live, desired);
            } catch (TargetException.Conflict e) {
                // The intent stays recorded; the next tick re-reads the target and pauses for whoever wrote it.
                return new TickResult(Decision.HOLD, phase, b.step, "could not patch " + policy.target().describe() + ": " + e.getMessage());
            } catch (TargetException e) {
                // The intent stays recorded: the next tick tries again, a bounded number of times.
                throw new TickFailures.MoveRefused("could not patch " + policy.target().describe() + ": " + e.getMessage());
            }
        }
        b = cr.getStatus().toBuilder();
        confirmApplied(b, b.intended, now);
        // people hear of a move once it is on the target, even if recording it below loses a race
        recorder.publish(policy, b.build(), decision, message);
        cr = recorder.save(cr, b);
        return new TickResult(decision, phase, b.step, message);
    }

    /**
     * Patch the target; on a conflict, re-read once: if someone wrote the object without touching the managed
     * routing (a label, a GitOps sync), patch again on the new version; if they changed the routing, give up and
     * let the next tick pause for them.
     */
    private static void patch(Policy policy, RoutedTarget<?> router, LiveTraffic live, TrafficSplit desired) throws TargetException {
        try {
            router.apply(desired, live.resourceVersion());
        } catch (TargetException.Conflict conflict) {
            LiveTraffic again = router.read();
            if (!again.split().equals(live.split())) throw conflict;
            if (!again.split().equals(desired)) router.apply(desired, again.resourceVersion());
        }
    }

    private static void confirmApplied(RolloutStatus.Builder b, Weights applied, Instant now) {
        b.settle(applied);
        // a step's metric window starts when its weights are in place
        b.stepStartedAt = now.toString();
    }

    private TickResult pauseForHuman(CanaryRollout cr, Policy policy, LiveTraffic live, Weights expected) {
        RolloutStatus.Builder b = cr.getStatus().toBuilder();
        // what is live now is what Aviary leaves alone; a resume re-applies the step's weights
        b.settle(Weights.of(live.split()));
        return pause(cr, policy, live, b, "the weights on " + policy.target().describe() + " were changed by someone else (expected "
                + expected.toSplit().describe() + ", found " + live.split().describe() + "); Aviary does not fight it."
                + " Resume with: " + CanaryRollout.requestCommand(policy, "resume"));
    }

    /** The arms' labels when the router can tell them now; null when not (the judge says why when it needs them). */
    private static ArmLabels knownArms(RoutedTarget<?> router, Policy policy) {
        try {
            return router.armLabels();
        } catch (TargetException e) {
            return null;
        }
    }

    /**
     * Why the rollout cannot be judged when both arms resolve to one metric label value (both subsets labelled
     * {@code version: v1}, say): both read one series, so no comparison can fail; null when they differ.
     */
    private static String oneSeries(Policy policy, ArmLabels arms) {
        if (arms == null || arms.baseline() == null || !arms.baseline().equals(arms.canary())) return null;
        return "baseline and canary both resolve to the metric label value \"" + TickFailures.oneLine(arms.baseline())
                + "\": both arms would read one series and no check could fail. Give the two subsets different `version`"
                + " labels (in the DestinationRule and on their pods), or name the values with baseline.version and"
                + " canary.version in the policy; then resume with: " + CanaryRollout.requestCommand(policy, "resume");
    }

    private TickResult pause(CanaryRollout cr, Policy policy, LiveTraffic live, String message) {
        return pause(cr, policy, live, cr.getStatus().toBuilder(), message);
    }

    private TickResult pause(CanaryRollout cr, Policy policy, LiveTraffic live, RolloutStatus.Builder b, String message) {
        return recorder.pause(cr, policy, live.split().canaryWeight(), b, message);
    }

    private TickResult hold(CanaryRollout cr, Policy policy, String message) {
        return hold(cr, policy, cr.getStatus().toBuilder(), message);
    }

    private TickResult hold(CanaryRollout cr, Policy policy, RolloutStatus.Builder b, String message) {
        return recorder.hold(cr, policy, b, message);
    }

    private static String request(CanaryRollout cr) {
        Map<String, String> a = cr.getMetadata().getAnnotations();
        String r = a == null ? null : a.get(CanaryRollout.REQUEST_ANNOTATION);
        return r == null ? null : r.trim().toLowerCase();
    }

    private static JudgeMemory memory(RolloutStatus status, String check) {
        Map<String, Double> m = status.memory().get(check);
        return m == null ? JudgeMemory.EMPTY : new JudgeMemory(m);
    }

    /** The canary's expected share of the requests the two arms serve; NaN where the routing does not fix it. */
    static double expectedCanaryShare(Step step) {
        return switch (step.kind()) {
            case WEIGHT -> step.canaryWeight() / 100.0;
            // mirrored copies of m% of the traffic reach the canary on top of the baseline's 100%
            case MIRROR -> step.mirror() / (100.0 + step.mirror());
            case HEADER_ROUTE -> Double.NaN;
        };
    }

    private static String messages(List<Verdict> verdicts) {
        return verdicts.stream().map(v -> v.check() + ": " + v.message()).collect(Collectors.joining("; "));
    }

    private static String seconds(Duration d) {
        return Durations.format(d.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    }
}
