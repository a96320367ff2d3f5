package dev.aviary.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.aviary.analysis.ArmCounts;
import dev.aviary.analysis.Observation;
import dev.aviary.simulate.SimulatedRollout;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.istio.IstioRouter;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The daemon (controller, real Istio router on the mock API server, the CanaryRollout) and the simulator (its
 * in-memory rollout) fed one recorded sequence of observations at the same times: they must decide alike, tick by
 * tick, because both decide through the one {@link Decider}.
 */
@EnableKubernetesMockClient(crud = true)
class SimulatorAgreementTest extends RolloutFixture {

    static final Observation HEALTHY = new Observation.Counts(new ArmCounts(7000, 70), new ArmCounts(3000, 30));
    static final Observation FEW = new Observation.Counts(new ArmCounts(10, 0), new ArmCounts(10, 0));
    static final Observation MISSING = new Observation.Missing("Prometheus did not answer");
    static final Observation WORSE = new Observation.Counts(new ArmCounts(7000, 70), new ArmCounts(3000, 150));

    /** One recorded tick: how long after the previous one, and what the metrics said. */
    record Tick(long afterSeconds, Observation checks) {}

    /** Missing data, too few requests, a step that passes, a step that runs out of time, and a canary that turns bad. */
    static final List<Tick> RECORDED = List.of(
            new Tick(0, MISSING), new Tick(30, MISSING), new Tick(30, FEW), new Tick(30, HEALTHY),  // step 1: holds, then advances
            new Tick(30, HEALTHY), new Tick(30, FEW), new Tick(30, MISSING),                       // step 2: passes early, then not
            new Tick(30, WORSE), new Tick(30, HEALTHY));                                          // ...fails, and stays rolled back

    /** The same recording with the canary staying good, through to the promotion. */
    static final List<Tick> GOOD = List.of(new Tick(0, HEALTHY), new Tick(30, HEALTHY), new Tick(40, HEALTHY), new Tick(60, HEALTHY),
            new Tick(30, HEALTHY));

    /** A step that never gets enough requests: paused after maxStepDuration, never rolled back. */
    static final List<Tick> STARVED = List.of(new Tick(0, FEW), new Tick(30, FEW), new Tick(60, FEW), new Tick(60, FEW), new Tick(30, FEW));

    static final Observation NEARLY = new Observation.Counts(new ArmCounts(700, 7), new ArmCounts(400, 4));
    static final Observation ENOUGH = new Observation.Counts(new ArmCounts(900, 9), new ArmCounts(510, 5));

    /** A step whose requests come slowly but would finish within twice maxStepDuration: it waits past it, then passes. */
    static final List<Tick> SLOW = List.of(new Tick(0, FEW), new Tick(60, FEW), new Tick(90, NEARLY), new Tick(30, ENOUGH));

    @Test
    void aFailingCanary() {
        assertAlike(RECORDED, List.of(Decision.START, Decision.HOLD, Decision.HOLD, Decision.ADVANCE, Decision.HOLD, Decision.HOLD,
                Decision.HOLD, Decision.ROLLBACK, Decision.HOLD));
    }

    @Test
    void aGoodCanary() {
        assertAlike(GOOD, List.of(Decision.START, Decision.HOLD, Decision.ADVANCE, Decision.PROMOTE, Decision.HOLD));
    }

    @Test
    void aStarvedStep() {
        assertAlike(STARVED, List.of(Decision.START, Decision.HOLD, Decision.HOLD, Decision.PAUSE, Decision.HOLD));
    }

    @Test
    void aSlowStepWaitsPastMaxStepDuration() {
        assertAlike(SLOW, List.of(Decision.START, Decision.HOLD, Decision.HOLD, Decision.ADVANCE));
    }

    /** Both paths decide {@code expected}, tick by tick, with the same phase, step and words. */
    void assertAlike(List<Tick> recording, List<Decision> expected) {
        RolloutController daemon = controller(new IstioRouter(client));
        SimulatedRollout simulator = new SimulatedRollout(policy, new Decider(judges::judge, judges.sampleRatioGuard()),
                new ArmLabels("v1", "v2", "image-classifier"));
        List<String> daemonSaid = new ArrayList<>(), simulatorSaid = new ArrayList<>();
        for (Tick tick : recording) {
            clock.advance(Duration.ofSeconds(tick.afterSeconds()));
            metrics.errors = tick.checks();
            metrics.requests = null;
            RolloutController.TickResult d = daemon.tick(policy);
            Transition s = simulator.tick(metrics, clock.instant());
            daemonSaid.add(clock.instant() + " " + d.decision() + " " + d.phase() + " " + d.step() + " " + d.message());
            simulatorSaid.add(clock.instant() + " " + s.decision() + " " + s.phase() + " " + s.step() + " " + s.message());
        }
        assertEquals(daemonSaid, simulatorSaid);
        assertEquals(expected, daemonSaid.stream().map(line -> Decision.valueOf(line.split(" ")[1])).toList(), String.join("\n", daemonSaid));
    }
}
