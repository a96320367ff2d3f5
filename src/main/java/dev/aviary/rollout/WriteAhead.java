package dev.aviary.rollout;

import dev.aviary.policy.Policy;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.TargetException;
import dev.aviary.traffic.RoutedTarget;
import dev.aviary.traffic.TrafficSplit;
import java.time.Instant;

/**
 * Carries a {@link Transition} out on the cluster. A move goes intent first: the intended weights are recorded in
 * the CanaryRollout (resourceVersion-guarded), then the target is patched (resourceVersion-guarded), then the weights
 * are recorded as applied; people hear of it once it is on the target. A hold or a pause is recorded and told.
 */
final class WriteAhead {

    private final RolloutRecorder recorder;

    WriteAhead(RolloutRecorder recorder) {
        this.recorder = recorder;
    }

    /** @param requestTaken a person's request was taken off {@code cr}: writing it is what consumes it */
    RolloutController.TickResult carry(CanaryRollout cr, Policy policy, RoutedTarget<?> router, LiveTraffic live, Transition t, Instant now,
            boolean requestTaken) {
        if (t.write() && t.move() == null) recorder.record(cr, policy, t, requestTaken);
        if (t.move() != null) {
            cr = recorder.save(cr, t.status());
            if (!t.move().equals(live.split())) {
                try {
                    patch(policy, router, live, t.move());
                } catch (TargetException.Conflict e) {
                    // The intent stays recorded; the next tick re-reads the target and pauses for whoever wrote it.
                    return new RolloutController.TickResult(Decision.HOLD, t.phase(), t.step(),
                            "could not patch " + policy.target().describe() + ": " + e.getMessage(), t.status());
                } catch (TargetException e) {
                    // The intent stays recorded: the next tick tries again, a bounded number of times.
                    throw new TickFailures.MoveRefused("could not patch " + policy.target().describe() + ": " + e.getMessage());
                }
            }
            RolloutStatus applied = Transition.confirmed(cr.getStatus(), now);
            // people hear of a move once it is on the target, even if recording it below loses a race
            recorder.publish(policy, applied, t.decision(), t.message());
            recorder.save(cr, applied);
            return new RolloutController.TickResult(t.decision(), t.phase(), t.step(), t.message(), applied);
        }
        return new RolloutController.TickResult(t.decision(), t.phase(), t.step(), t.message(), t.status());
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
}
