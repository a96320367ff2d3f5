package dev.aviary.simulate;

import dev.aviary.metrics.MetricSource;
import dev.aviary.policy.Policy;
import dev.aviary.rollout.Decider;
import dev.aviary.rollout.Evidence;
import dev.aviary.rollout.Phase;
import dev.aviary.rollout.RolloutStatus;
import dev.aviary.rollout.Standing;
import dev.aviary.rollout.Transition;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.TrafficSplit;
import java.time.Instant;

/**
 * One rollout decided by the daemon's own {@link Decider}, with the cluster replaced by memory: the status the
 * CanaryRollout would hold, and a target whose patches always land. Each {@link #tick} is a daemon tick. A pause step
 * is approved at the first tick that finds the rollout waiting (by "simulation"): no person is simulated.
 */
public final class SimulatedRollout {

    private final Policy policy;
    private final Decider decider;
    private final ArmLabels arms;
    private RolloutStatus status;
    private LiveTraffic live = new LiveTraffic(TrafficSplit.BASELINE_ONLY, "0", true, null);
    private long version;

    public SimulatedRollout(Policy policy, Decider decider, ArmLabels arms) {
        this.policy = policy;
        this.decider = decider;
        this.arms = arms;
        this.status = RolloutStatus.pending(policy);
    }

    public RolloutStatus status() {
        return status;
    }

    /** Decide at {@code now} on what {@code metrics} says about the step so far, and apply the decision. */
    public Transition tick(MetricSource metrics, Instant now) {
        boolean waiting = status.phase() == Phase.AwaitingApproval;
        Standing standing = decider.stand(status, policy, live, waiting ? "approve" : null, waiting ? "simulation" : null, now);
        RolloutStatus s = standing.status();
        Transition t = switch (standing.next()) {
            case DECIDED -> standing.decided();
            case START -> decider.start(s, policy, live, arms, now);
            case JUDGE -> decider.judge(s, policy, live, Evidence.gather(metrics, policy, arms, Decider.window(s, now)), now);
        };
        status = t.status();
        if (t.move() != null) {
            live = new LiveTraffic(t.move(), Long.toString(++version), true, null);
            status = Transition.confirmed(status, now);
        }
        return t;
    }
}
