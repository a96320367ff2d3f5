package dev.aviary.rollout;

import dev.aviary.analysis.Judge;
import dev.aviary.analysis.StepContext;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;
import dev.aviary.policy.Step;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.TrafficSplit;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.function.Function;

/**
 * Every rule of a rollout, as pure functions of what a tick read: no I/O, no clock, no cluster. The daemon's
 * controller and the simulator both decide here, so the simulator judges exactly as the daemon does.
 *
 * <p>A tick decides in two stages. {@link #stand} settles where the rollout stands: a write in flight (finish it,
 * or notice a person's hand), a person's order, a new canary. When that leaves the decision to the rollout's own
 * rules, {@link #start} starts a pending rollout and {@link #judge} judges a progressing step on its evidence
 * (see {@link StepRules}). Between the stages the caller reads the arms and the metrics, only when needed.
 */
public final class Decider {

    /** Requests that outrank finishing Aviary's own move and outrank pausing for a hand edit: a person's order. */
    private static final Set<String> ORDERS = Set.of("abort", "promote", "restart", "pause");

    private final StepRules rules;

    public Decider(Function<CheckSpec, Judge> judges, Judge sampleRatioGuard) {
        this.rules = new StepRules(judges, sampleRatioGuard);
    }

    /**
     * Stage one: reconcile the recorded status with what is live and with a person's request ({@code request}:
     * the CanaryRollout's request annotation, lower-case, or null).
     */
    public Standing stand(RolloutStatus status, Policy policy, LiveTraffic live, String request, Instant now) {
        return stand(status, policy, live, request, null, now);
    }

    /** {@link #stand}, knowing who made the request ({@code requestedBy}, null when not named): an approval records it. */
    public Standing stand(RolloutStatus status, Policy policy, LiveTraffic live, String request, String requestedBy, Instant now) {
        boolean order = request != null && ORDERS.contains(request);
        String identity = live.canaryIdentity();
        Weights liveWeights = Weights.of(live.split());
        boolean save = false;

        // A write in flight when the last tick ended (crash, conflict): finish it or notice a person's hand.
        if (status.intended() != null) {
            if (liveWeights.equals(status.intended())) {
                status = Transition.confirmed(status, now);
                save = true;
            } else if (order) {
                // a person's order replaces the unfinished move; it starts from what is live
                RolloutStatus.Builder b = status.toBuilder();
                b.settle(liveWeights);
                if (b.phase.terminal()) b.phase = Phase.Progressing;
                status = b.build();
            } else if (liveWeights.equals(status.previous()) && live.resourceVersion().equals(status.intendedOn())) {
                // the target is untouched since the intent was recorded: the patch never landed
                if (newCanary(status, identity)) {
                    // a new build never inherits a move decided for the old one: it starts over below
                    RolloutStatus.Builder b = status.toBuilder();
                    b.settle(liveWeights);
                    status = b.build();
                } else if (status.attempts() >= TickFailures.LIMIT) {
                    RolloutStatus.Builder b = status.toBuilder();
                    b.settle(liveWeights);
                    return Standing.decided(status, false, Transition.pause(b, live.split().canaryWeight(),
                            TickFailures.unfinishedMove(policy, status, live.split().describe()), now));
                } else {
                    return Standing.decided(status, false, Transition.move(status.toBuilder(), live, status.intended().toSplit(),
                            status.lastDecision(), status.phase(), "finishing the interrupted move to " + status.intended().toSplit().describe(), now));
                }
            } else {
                // the target was written since the intent (a revert looks exactly like "never landed"): ask a person
                return Standing.decided(status, false, pauseForHuman(status, policy, live, status.intended(), now));
            }
        } else if (status.applied() != null && !liveWeights.equals(status.applied()) && status.phase().underway() && !order) {
            return Standing.decided(status, false, pauseForHuman(status, policy, live, status.applied(), now));
        }

        // A new canary (changed pod template / revision), or a person asked to start over.
        boolean newCanary = newCanary(status, identity);
        if (newCanary || "restart".equals(request)) {
            RolloutStatus.Builder b = status.toBuilder();
            b.phase = Phase.Pending;
            b.stepStartedAt = null;
            b.noDataSince = null;
            b.canaryIdentity = identity;
            b.policyHash = policy.hash();
            return Standing.decided(status, save, StepRules.begin(b, policy, live, newCanary ? "new canary " + identity
                    + ": starting a new rollout" : "restart requested: starting a new rollout", now));
        }
        if (identity != null && status.canaryIdentity() == null) {
            // remember which build this rollout is about, whichever way it left Pending
            RolloutStatus.Builder b = status.toBuilder();
            b.canaryIdentity = identity;
            status = b.build();
            save = true;
        }

        if ("approve".equals(request)) {
            // the approval is recorded, not acted on: the step's evidence decides this tick (a failure still rolls back),
            // and an approval that meets no data or an unsettled target waits in the status, across restarts
            if (status.phase() != Phase.AwaitingApproval) {
                return Standing.decided(status, true, Transition.note(status.toBuilder(), "approve ignored: " + notWaiting(status, policy)));
            }
            RolloutStatus.Builder b = status.toBuilder();
            b.phase = Phase.Progressing;
            b.approvedBy = requestedBy;
            status = b.build();
            save = true;
        }
        Transition ordered = order(status, policy, live, request, now);
        if (ordered != null) return Standing.decided(status, save, ordered);
        // a request that changes nothing is still consumed, with a write
        if (request != null && (status.phase() == Phase.Paused || status.phase().terminal())) save = true;

        // a step is judged only on traffic the target serves as decided (KServe reports the split some time after the
        // write), and a rollout starts only on a target that serves its spec and has a canary to roll out
        if (status.phase().underway() && !live.ready()) {
            return Standing.decided(status, save, StepRules.unsettled(status, policy, live, now));
        }
        if (status.phase().underway() && StepRules.justSettled(status)) {
            return Standing.decided(status, save, StepRules.settled(status, policy, live, now));
        }
        if (status.phase() == Phase.Pending && !live.ready()) {
            RolloutStatus.Builder b = status.toBuilder();
            return Standing.decided(status, save, Transition.hold(b, "waiting to start: " + live.unsettled()));
        }
        if (status.phase().underway() && policy.servedStep(current(status, policy)) == null) {
            return Standing.decided(status, save, StepRules.quietGate(status, policy, live, now));
        }
        return switch (status.phase()) {
            case Pending -> new Standing(status, save, null, Standing.Next.START);
            case Progressing, AwaitingApproval -> new Standing(status, save, null, Standing.Next.JUDGE);
            case Paused, Promoted, RolledBack -> Standing.decided(status, save, Transition.stay(status));
        };
    }

    /** A person's request where it applies (pause a moving rollout, abort or promote an unfinished one, resume a paused one). */
    private static Transition order(RolloutStatus status, Policy policy, LiveTraffic live, String request, Instant now) {
        if (request == null) return null;
        boolean open = !status.phase().terminal();
        return switch (request) {
            case "pause" -> open && status.phase() != Phase.Paused
                    ? Transition.pause(status.toBuilder(), live.split().canaryWeight(), "paused on request", now) : null;
            case "abort" -> open ? Transition.move(status.toBuilder(), live, TrafficSplit.BASELINE_ONLY, Decision.ROLLBACK, Phase.RolledBack,
                    "aborted on request", now) : null;
            case "promote" -> open ? Transition.move(status.toBuilder(), live, new TrafficSplit(100, null, 0), Decision.PROMOTE, Phase.Promoted,
                    "promoted on request, skipping the remaining analysis", now) : null;
            case "resume" -> {
                if (status.phase() != Phase.Paused) yield null;
                RolloutStatus.Builder b = status.toBuilder();
                b.noDataSince = null;
                int index = current(status, policy);
                Step step = policy.steps().get(index);
                // a pause step resumes to waiting for approval (one given before the pause is not carried over)
                b.approvedBy = null;
                yield Transition.move(b, live, StepRules.splitAt(policy, index), Decision.RESUME,
                        step.isGate() ? Phase.AwaitingApproval : Phase.Progressing,
                        "resumed on request: re-applying step " + (status.step() + 1) + " (" + step.describe() + ")", now);
            }
            default -> null;
        };
    }

    /** Stage two for a pending rollout: start it, unless its arms ({@code arms}, null when unknown) read one series. */
    public Transition start(RolloutStatus status, Policy policy, LiveTraffic live, ArmLabels arms, Instant now) {
        return StepRules.start(status, policy, live, arms, now);
    }

    /** Stage two for a progressing rollout: judge the step on its evidence. */
    public Transition judge(RolloutStatus status, Policy policy, LiveTraffic live, Evidence evidence, Instant now) {
        return rules.judge(status, policy, live, evidence, now);
    }

    /**
     * The longest a step runs before the rules end it: maxStepDuration, or up to {@link ShortOfData#EXTENSION} times it
     * for a step still waiting for data that would come by then.
     */
    public static Duration longestStep(Policy policy) {
        return policy.maxStepDuration().multipliedBy(ShortOfData.EXTENSION);
    }

    /** What the judges of step {@code index} of {@code policy} are told (share, alpha, minRequests), as in {@link #judge}. */
    public static StepContext stepContext(Policy policy, int index) {
        return StepRules.context(policy, index);
    }

    /** The time since the current step's weights were applied: the window the step's evidence covers. */
    public static Duration window(RolloutStatus status, Instant now) {
        return StepRules.elapsed(status, now);
    }

    /** The current step's index, within the policy's steps (a changed policy may have fewer). */
    private static int current(RolloutStatus status, Policy policy) {
        return Math.min(status.step(), policy.steps().size() - 1);
    }

    /** Why an approval does not apply: nothing waits for one (it never advances a step: that is promote's job). */
    private static String notWaiting(RolloutStatus status, Policy policy) {
        String at = "step " + (current(status, policy) + 1) + " (" + policy.steps().get(current(status, policy)).describe() + ")";
        return switch (status.phase()) {
            case AwaitingApproval -> "";
            case Progressing -> policy.steps().get(current(status, policy)).isGate()
                    ? "step " + (current(status, policy) + 1) + " is approved already (" + StepRules.approval(status.approvedBy())
                    + "); it passes on its next judged tick"
                    : "nothing waits for approval at " + at + "; to skip the remaining analysis use promote: "
                    + CanaryRollout.requestCommand(policy, "promote");
            case Pending -> "the rollout has not started; nothing waits for approval";
            case Paused -> "the rollout is paused at " + at + ", not waiting for approval; resume it first: "
                    + CanaryRollout.requestCommand(policy, "resume");
            case Promoted, RolledBack -> "the rollout is " + status.phase() + "; nothing waits for approval";
        };
    }

    /** A canary other than the one this rollout is about (changed pod template, new revision). */
    private static boolean newCanary(RolloutStatus status, String identity) {
        return identity != null && !identity.equals(status.canaryIdentity())
                // an identity first seen mid-rollout may belong to a build the evidence so far was not about
                && (status.canaryIdentity() != null || status.phase().underway());
    }

    private static Transition pauseForHuman(RolloutStatus status, Policy policy, LiveTraffic live, Weights expected, Instant now) {
        RolloutStatus.Builder b = status.toBuilder();
        // what is live now is what Aviary leaves alone; a resume re-applies the step's weights
        b.settle(Weights.of(live.split()));
        return Transition.pause(b, live.split().canaryWeight(), "the weights on " + policy.target().describe()
                + " were changed by someone else (expected " + expected.toSplit().describe() + ", found " + live.split().describe()
                + "); Aviary does not fight it. Resume with: " + CanaryRollout.requestCommand(policy, "resume"), now);
    }

}
