package dev.aviary.rollout;

import dev.aviary.analysis.Judge;
import dev.aviary.analysis.JudgeMemory;
import dev.aviary.analysis.Observation;
import dev.aviary.analysis.Outcome;
import dev.aviary.analysis.StepContext;
import dev.aviary.analysis.Verdict;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Durations;
import dev.aviary.policy.Policy;
import dev.aviary.policy.Step;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.TrafficSplit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The step rules, pure: a step's verdicts become a rollback (any check fails), a pause (the routing does not match
 * the policy), a hold (no data within the tolerance, evidence still coming, minDuration not reached), an advance or
 * a promotion (every check passes and the step ran minDuration), and maxStepDuration / the no-data tolerance apply
 * the policy's action, except to a step short of data ({@link ShortOfData}: it waits or pauses, never rolls back). On an advance each judge folds the step's evidence into what later steps inherit.
 *
 * <p>A pause step (a gate) holds the weights of the step before it and is judged like any step, so a failing check
 * still rolls back and missing data keeps its rules; it has no minDuration and no timeout, and passes when a person
 * approves (the phase goes from AwaitingApproval to Progressing) or when its duration is over. A gate before any
 * traffic step sends the canary nothing, so there is nothing to judge: it only waits ({@link #quietGate}).
 */
final class StepRules {

    static final String SAMPLE_RATIO_CHECK = "sample-ratio";

    private final Function<CheckSpec, Judge> judges;
    private final Judge sampleRatioGuard;

    StepRules(Function<CheckSpec, Judge> judges, Judge sampleRatioGuard) {
        this.judges = judges;
        this.sampleRatioGuard = sampleRatioGuard;
    }

    /** Pending: nothing has moved yet, so arms that cannot be told apart stop the rollout before it starts. */
    static Transition start(RolloutStatus status, Policy policy, LiveTraffic live, ArmLabels arms, Instant now) {
        RolloutStatus.Builder b = status.toBuilder();
        b.canaryIdentity = live.canaryIdentity();
        b.policyHash = policy.hash();
        String oneSeries = oneSeries(policy, arms);
        return oneSeries != null ? Transition.pause(b, live.split().canaryWeight(), oneSeries, now)
                : begin(b, policy, live, "starting the rollout", now);
    }

    /** Step 1's weights, with no evidence carried over. */
    static Transition begin(RolloutStatus.Builder b, Policy policy, LiveTraffic live, String message, Instant now) {
        b.memory = Map.of();
        b.checks = List.of();
        return enter(b, policy, live, 0, Decision.START, message, now);
    }

    /**
     * Move to step {@code index} of {@code policy}: its weights, or at a pause step the weights of the step before it
     * (no patch when they are live already) and the wait for approval.
     */
    static Transition enter(RolloutStatus.Builder b, Policy policy, LiveTraffic live, int index, Decision decision, String because,
            Instant now) {
        Step step = policy.steps().get(index);
        b.step = index;
        b.approvedBy = null;
        if (step.isGate()) {
            return Transition.move(b, live, splitAt(policy, index), decision, Phase.AwaitingApproval, because + ": "
                    + waiting(policy, index), now);
        }
        return Transition.move(b, live, forStep(policy, step), decision, Phase.Progressing,
                because + ": step " + (index + 1) + " (" + step.describe() + ")", now);
    }

    /** "step 3/5 waits for approval (or 30m): kubectl annotate ...": what a gate says, and how to pass it. */
    static String waiting(Policy policy, int index) {
        Step.Gate gate = policy.steps().get(index).pause();
        return "step " + (index + 1) + "/" + policy.steps().size() + " waits for approval"
                + (policy.servedStep(index) == null ? " before any traffic moves" : "")
                + (gate.duration() == null ? "" : " (or continues by itself after " + Durations.format(gate.duration()) + ")")
                + ": " + CanaryRollout.requestCommand(policy, "approve");
    }

    /** The split live during step {@code index}: a pause step holds the one before it (baseline only, if none). */
    static TrafficSplit splitAt(Policy policy, int index) {
        Step served = policy.servedStep(index);
        return served != null ? forStep(policy, served) : TrafficSplit.BASELINE_ONLY.withArmPins(policy.pinsArms());
    }

    /**
     * The split a step of {@code policy} asks for, with the arm pins while the policy needs them; a promotion and a
     * rollback ask for none, so the pins go when the rollout ends.
     */
    static TrafficSplit forStep(Policy policy, Step step) {
        return TrafficSplit.forStep(step).withArmPins(policy.pinsArms());
    }

    /** The time since the current step's weights were applied: the window its evidence covers. */
    static Duration elapsed(RolloutStatus status, Instant now) {
        Instant stepStart = status.stepStartedAt() == null ? now : Instant.parse(status.stepStartedAt());
        return Duration.between(stepStart, now);
    }

    /** Progressing: judge the step on its evidence. */
    Transition judge(RolloutStatus status, Policy policy, LiveTraffic live, Evidence evidence, Instant now) {
        int index = Math.min(status.step(), policy.steps().size() - 1);
        Step step = policy.steps().get(index);
        Duration elapsed = elapsed(status, now);
        int weight = live.split().canaryWeight();
        RolloutStatus.Builder b = status.toBuilder();

        if (evidence.armsUnknown() != null) return Transition.hold(b, "cannot tell the arms apart: " + evidence.armsUnknown());
        String oneSeries = oneSeries(policy, evidence.arms());
        if (oneSeries != null) return Transition.pause(b, weight, oneSeries, now);
        StepContext ctx = context(policy, index);

        List<Verdict> verdicts = new ArrayList<>();
        Map<String, Judge> judgeOf = new HashMap<>();
        for (CheckSpec check : policy.checks()) {
            Judge judge = judges.apply(check);
            judgeOf.put(check.name(), judge);
            verdicts.add(judge.judge(check.name(), observation(evidence, check), ctx, memory(status, check.name())));
        }
        Verdict ratio = sampleRatioGuard.judge(SAMPLE_RATIO_CHECK, evidence.requests(), ctx, JudgeMemory.EMPTY);
        List<CheckRecord> records = new ArrayList<>(verdicts.stream().map(CheckRecord::of).toList());
        records.add(CheckRecord.of(ratio));
        b.checks = records;

        List<Verdict> failed = verdicts.stream().filter(v -> v.outcome() == Outcome.FAIL).toList();
        if (!failed.isEmpty()) return Transition.move(b, live, TrafficSplit.BASELINE_ONLY, Decision.ROLLBACK, Phase.RolledBack, messages(failed), now);
        if (ratio.outcome() == Outcome.FAIL) {
            return Transition.pause(b, weight, "the routing does not match the policy (is the DestinationRule missing, or do the"
                    + " pods lack the version labels?): " + ratio.message(), now);
        }
        List<Verdict> missing = verdicts.stream().filter(v -> v.outcome() == Outcome.NO_DATA).toList();
        if (!missing.isEmpty()) {
            Instant since = status.noDataSince() == null ? now : Instant.parse(status.noDataSince());
            b.noDataSince = since.toString();
            Duration without = Duration.between(since, now);
            if (without.compareTo(policy.noData().tolerate()) > 0) {
                String why = "no data for " + seconds(without) + " (tolerated: " + seconds(policy.noData().tolerate()) + "): " + messages(missing);
                return giveUp(b, live, policy.noData().then(), why, now);
            }
            return Transition.hold(b, "holding, no data: " + messages(missing));
        }
        b.noDataSince = null;
        if (step.isGate()) return atGate(b, status, policy, live, evidence, ctx, judgeOf, index, now);
        boolean allPass = verdicts.stream().allMatch(v -> v.outcome() == Outcome.PASS);
        boolean stepDone = allPass && elapsed.compareTo(step.minDuration()) >= 0;
        // a step whose checks all pass advances even when it ran long (after an outage, say): timing out is for
        // steps that are still inconclusive
        if (!stepDone && elapsed.compareTo(policy.maxStepDuration()) > 0) {
            // too little traffic to judge is no evidence against the canary: wait while it would still finish, else
            // pause with the numbers; onTimeout is for steps whose evidence is in and still undecided
            ShortOfData shortfall = ShortOfData.of(evidence, policy, elapsed);
            if (shortfall != null) {
                String why = shortfall.explain(index, policy.maxStepDuration());
                return shortfall.keepsWaiting(policy.maxStepDuration())
                        ? Transition.hold(b, why + ", within " + ShortOfData.EXTENSION + "x maxStepDuration: waiting for the data")
                        : Transition.pause(b, weight, why + ": pausing, not rolling back for lack of traffic; raise the step's"
                                + " traffic or lower minRequests, then resume with: " + CanaryRollout.requestCommand(policy, "resume"), now, true);
            }
            String why = "step " + (index + 1) + " still inconclusive after " + seconds(elapsed) + " (maxStepDuration "
                    + seconds(policy.maxStepDuration()) + ")";
            return giveUp(b, live, policy.onTimeout(), why, now);
        }
        if (!stepDone) {
            return Transition.hold(b, allPass ? "all checks pass; step " + (index + 1) + " runs at least " + seconds(step.minDuration())
                    + " (" + seconds(elapsed) + " so far)"
                    : "waiting for evidence: " + messages(verdicts.stream().filter(v -> v.outcome() != Outcome.PASS).toList()));
        }

        // Every check passed: fold this step's evidence into what later steps inherit, then move on.
        fold(b, status, policy, evidence, ctx, judgeOf);
        return pass(b, policy, live, index, Decision.ADVANCE, (promotesNext(policy, index) ? "every step passed (" : "step " + (index + 1)
                + " passed (") + tally(records) + ")", now);
    }

    /**
     * At a pause step whose checks neither fail nor lack data: pass it once approved (or its duration is over),
     * else keep waiting. Inconclusive checks do not hold an approval up: the step before passed them, and the
     * next step judges on; their evidence so far is carried over.
     */
    private Transition atGate(RolloutStatus.Builder b, RolloutStatus status, Policy policy, LiveTraffic live, Evidence evidence,
            StepContext ctx, Map<String, Judge> judgeOf, int index, Instant now) {
        // counted over every check line the decision prints under it, the sample-ratio guard's too
        long passing = b.checks.stream().filter(r -> r.outcome() == Outcome.PASS).count();
        String tally = passing + " of " + b.checks.size() + " checks pass so far";
        Duration after = policy.steps().get(index).pause().duration();
        if (status.phase() == Phase.Progressing) {
            fold(b, status, policy, evidence, ctx, judgeOf);
            return pass(b, policy, live, index, Decision.APPROVE, approval(status.approvedBy()) + " at step " + (index + 1) + " ("
                    + tally + ")", now);
        }
        if (after != null && elapsed(status, now).compareTo(after) >= 0) {
            fold(b, status, policy, evidence, ctx, judgeOf);
            return pass(b, policy, live, index, Decision.ADVANCE, "step " + (index + 1) + "'s pause of " + Durations.format(after)
                    + " is over (" + tally + ")", now);
        }
        return Transition.hold(b, "waiting: " + waiting(policy, index) + " (" + tally + ")");
    }

    /**
     * A pause step before any traffic step: the canary gets no traffic, so nothing is judged; it passes once approved
     * or its duration is over, and otherwise stays as it is (nothing to record).
     */
    static Transition quietGate(RolloutStatus status, Policy policy, LiveTraffic live, Instant now) {
        int index = status.step();
        Duration after = policy.steps().get(index).pause().duration();
        RolloutStatus.Builder b = status.toBuilder();
        if (status.phase() == Phase.Progressing) {
            return pass(b, policy, live, index, Decision.APPROVE, approval(status.approvedBy()) + " at step " + (index + 1), now);
        }
        if (after != null && elapsed(status, now).compareTo(after) >= 0) {
            return pass(b, policy, live, index, Decision.ADVANCE, "step " + (index + 1) + "'s pause of " + Durations.format(after)
                    + " is over", now);
        }
        return Transition.stay(status);
    }

    /** "approved by alice", or without a named requester (a bare kubectl annotate) "approved on request". */
    static String approval(String approvedBy) {
        return approvedBy == null || approvedBy.isBlank() ? "approved on request" : "approved by " + approvedBy;
    }

    /** Step {@code index} is passed: the next step starts, or passing the last step before the promotion promotes. */
    private static Transition pass(RolloutStatus.Builder b, Policy policy, LiveTraffic live, int index, Decision decision, String because,
            Instant now) {
        if (promotesNext(policy, index)) {
            b.step = Math.min(index + 1, policy.steps().size() - 1);
            b.approvedBy = null;
            return Transition.move(b, live, new TrafficSplit(100, null, 0), Decision.PROMOTE, Phase.Promoted, because + ": promoting", now);
        }
        return enter(b, policy, live, index + 1, decision, because, now);
    }

    /** Passing step {@code index} promotes: it is the last, or the next one is weight 100, whatever its weight. */
    private static boolean promotesNext(Policy policy, int index) {
        int next = index + 1;
        return next >= policy.steps().size() || policy.steps().get(next).isPromotion();
    }

    /** Each judge folds the step's evidence into what later steps inherit. */
    private static void fold(RolloutStatus.Builder b, RolloutStatus status, Policy policy, Evidence evidence, StepContext ctx,
            Map<String, Judge> judgeOf) {
        Map<String, Map<String, Double>> memory = new HashMap<>(status.memory());
        for (CheckSpec check : policy.checks()) {
            memory.put(check.name(), judgeOf.get(check.name()).endStep(observation(evidence, check), ctx, memory(status, check.name())).values());
        }
        b.memory = memory;
    }

    /**
     * Progressing, but the target does not serve the step's split yet (KServe still moving revisions, or not Ready):
     * hold, and restart the step's window, so its evidence covers only traffic served as decided. Past the no-data
     * tolerance, pause with what the target still reports: a target that never settles needs a person, and a
     * rollback written to it would not settle either.
     */
    static Transition unsettled(RolloutStatus status, Policy policy, LiveTraffic live, Instant now) {
        RolloutStatus.Builder b = status.toBuilder();
        Instant since = status.noDataSince() == null ? now : Instant.parse(status.noDataSince());
        b.noDataSince = since.toString();
        b.stepStartedAt = now.toString();
        Duration without = Duration.between(since, now);
        String waiting = policy.target().describe() + " does not serve " + live.split().describe() + " yet: " + live.unsettled();
        if (without.compareTo(policy.noData().tolerate()) > 0) {
            return Transition.pause(b, live.split().canaryWeight(), waiting + " (for " + seconds(without) + ", tolerated: "
                    + seconds(policy.noData().tolerate()) + "); check the target, then resume with: "
                    + CanaryRollout.requestCommand(policy, "resume"), now, true);
        }
        return Transition.hold(b, "holding: " + waiting);
    }

    /**
     * Whether the last tick held because the target did not serve the split yet: {@link #unsettled} restarts the
     * window at every such tick, so the window starts at or after the first of them; a hold for missing metrics
     * starts counting after the step began.
     */
    static boolean justSettled(RolloutStatus status) {
        return status.noDataSince() != null && status.stepStartedAt() != null
                && !Instant.parse(status.stepStartedAt()).isBefore(Instant.parse(status.noDataSince()));
    }

    /**
     * The target serves the split now, but it began to some time since the last look: the traffic before that was
     * still split the old way, so the step's window starts here, and the step is judged from the next tick on.
     */
    static Transition settled(RolloutStatus status, Policy policy, LiveTraffic live, Instant now) {
        RolloutStatus.Builder b = status.toBuilder();
        b.noDataSince = null;
        b.stepStartedAt = now.toString();
        return Transition.hold(b, "holding: " + policy.target().describe() + " serves " + live.split().describe()
                + " now; step " + (status.step() + 1) + "'s evidence counts from here");
    }

    /** The policy's action when a step runs out of time or of data: roll back, or pause for a person. */
    private static Transition giveUp(RolloutStatus.Builder b, LiveTraffic live, Policy.TimeoutAction action, String why, Instant now) {
        return action == Policy.TimeoutAction.ROLLBACK
                ? Transition.move(b, live, TrafficSplit.BASELINE_ONLY, Decision.ROLLBACK, Phase.RolledBack, why, now, true)
                : Transition.pause(b, live.split().canaryWeight(), why, now, true);
    }

    private static Observation observation(Evidence evidence, CheckSpec check) {
        Observation o = evidence.observations().get(check.name());
        return o != null ? o : new Observation.Missing("not measured");
    }

    /**
     * Why the rollout cannot be judged when both arms resolve to one metric label value (both subsets labelled
     * {@code version: v1}, say): both read one series, so no comparison can fail; null when they differ.
     */
    static String oneSeries(Policy policy, ArmLabels arms) {
        if (arms == null || arms.baseline() == null || !arms.baseline().equals(arms.canary())) return null;
        return "baseline and canary both resolve to the metric label value \"" + TickFailures.oneLine(arms.baseline())
                + "\": both arms would read one series and no check could fail. Give the two subsets different `version`"
                + " labels (in the DestinationRule and on their pods), or name the values with baseline.version and"
                + " canary.version in the policy; then resume with: " + CanaryRollout.requestCommand(policy, "resume");
    }

    private static JudgeMemory memory(RolloutStatus status, String check) {
        Map<String, Double> m = status.memory().get(check);
        return m == null ? JudgeMemory.EMPTY : new JudgeMemory(m);
    }

    /** What each judge is told about step {@code index}: its share, and the check's part of the policy's alpha. */
    static StepContext context(Policy policy, int index) {
        Step served = policy.servedStep(index);
        return new StepContext(served == null ? Double.NaN : expectedCanaryShare(served), index, policy.steps().size(),
                policy.alpha() / Math.max(1, policy.checks().size()), policy.minRequests());
    }

    /** The canary's expected share of the requests the two arms serve; NaN where the routing does not fix it. */
    static double expectedCanaryShare(Step step) {
        return switch (step.kind()) {
            case WEIGHT -> step.canaryWeight() / 100.0;
            // mirrored copies of m% of the traffic reach the canary on top of the baseline's 100%
            case MIRROR -> step.mirror() / (100.0 + step.mirror());
            case HEADER_ROUTE, PAUSE -> Double.NaN;
        };
    }

    /**
     * "4 checks pass": every check line the decision prints under it is counted, the sample-ratio guard's too; a
     * guard that could not tell yet (it never holds a step up) is named, so the words account for each line.
     */
    static String tally(List<CheckRecord> records) {
        long pass = records.stream().filter(r -> r.outcome() == Outcome.PASS).count();
        String others = records.stream().filter(r -> r.outcome() != Outcome.PASS).map(r -> r.check() + " " + r.outcome())
                .collect(Collectors.joining(", "));
        return pass + (pass == 1 ? " check passes" : " checks pass") + (others.isEmpty() ? "" : "; " + others);
    }

    static String messages(List<Verdict> verdicts) {
        return verdicts.stream().map(v -> v.check() + ": " + v.message()).collect(Collectors.joining("; "));
    }

    private static String seconds(Duration d) {
        return Durations.format(d.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    }
}
