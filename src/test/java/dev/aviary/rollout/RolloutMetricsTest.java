package dev.aviary.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.analysis.ArmCounts;
import dev.aviary.analysis.Observation;
import dev.aviary.policy.Policy;
import dev.aviary.telemetry.RolloutMetrics;
import dev.aviary.telemetry.Scrape;
import dev.aviary.telemetry.Telemetry;
import dev.aviary.traffic.TrafficRouters;
import dev.aviary.traffic.istio.IstioRouter;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Aviary's rollout metrics ({@link RolloutMetrics}) as the real controller's tick listener, walking a rollout on the
 * mock API server with scripted measurements (here, not in the telemetry package, for the controller's fixture).
 */
@EnableKubernetesMockClient(crud = true)
class RolloutMetricsTest extends RolloutFixture {

    private final Telemetry telemetry = new Telemetry();
    private final List<Policy> inForce = new ArrayList<>();
    private final AtomicBoolean leading = new AtomicBoolean(true);

    private RolloutController watched() {
        telemetry.leaderFrom(leading::get);
        inForce.add(policy);
        return new RolloutController(new RolloutRepository(client), TrafficRouters.of(new IstioRouter(client)), metrics, judges::judge,
                judges.sampleRatioGuard(), events::add, clock, new RolloutMetrics(telemetry, () -> List.copyOf(inForce)));
    }

    private Scrape scrape() {
        return Scrape.parse(new String(telemetry.scrape(), StandardCharsets.UTF_8));
    }

    private static final String[] ROLLOUT = {"namespace", "default", "rollout", "image-classifier"};

    private static String[] rollout(String... more) {
        String[] all = new String[ROLLOUT.length + more.length];
        System.arraycopy(ROLLOUT, 0, all, 0, ROLLOUT.length);
        System.arraycopy(more, 0, all, ROLLOUT.length, more.length);
        return all;
    }

    @Test
    void weightsStepsDecisionsAndVerdictsFollowTheRollout() throws Exception {
        RolloutController c = watched();
        c.tick(policy);
        Scrape started = scrape();
        assertEquals(1, started.value("aviary_decisions_total", rollout("decision", "START")));
        assertEquals(1, started.value("aviary_rollouts", "phase", "Progressing"));
        assertEquals(0, started.value("aviary_rollouts", "phase", "Promoted"));
        assertEquals(1, started.value("aviary_rollout_step", ROLLOUT), "steps are counted from 1");

        metrics.healthy();
        clock.advance(Duration.ofMinutes(1));
        assertEquals(Decision.ADVANCE, c.tick(policy).decision());
        Scrape advanced = scrape();
        assertEquals(30, advanced.value("aviary_rollout_canary_weight", ROLLOUT));
        assertEquals(2, advanced.value("aviary_rollout_step", ROLLOUT));
        assertEquals(1, advanced.value("aviary_decisions_total", rollout("decision", "ADVANCE")));
        assertEquals(1, advanced.value("aviary_check_outcome", rollout("check", "errors", "outcome", "PASS")));
        assertEquals(0, advanced.value("aviary_check_outcome", rollout("check", "errors", "outcome", "FAIL")));
        // alpha 0.01 over one check: the errors check fails at an e-value of 100
        assertEquals(100, advanced.value("aviary_check_evalue_threshold", rollout("check", "errors")), 1e-9);
        assertTrue(advanced.value("aviary_check_evalue", rollout("check", "errors")) < 100);
        assertEquals(List.of(), advanced.find("aviary_check_evalue_threshold", rollout("check", "sample-ratio")),
                "the header step does not fix the canary's share: the guard has no e-value, so no threshold either");

        clock.advance(Duration.ofSeconds(40)); // past the step's first interval, when the sample-ratio guard starts counting
        assertEquals(Decision.HOLD, c.tick(policy).decision());
        c.tick(policy);
        Scrape held = scrape();
        assertEquals(2, held.value("aviary_decisions_total", rollout("decision", "HOLD")), "every tick counts its decision");
        // the sample-ratio guard spends the check's alpha over the policy's three steps
        assertEquals(300, held.value("aviary_check_evalue_threshold", rollout("check", "sample-ratio")), 1e-9);
        assertTrue(held.value("aviary_check_evalue", rollout("check", "sample-ratio")) < 300);

        metrics.errors = new Observation.Counts(new ArmCounts(7000, 70), new ArmCounts(3000, 150));
        assertEquals(Decision.ROLLBACK, c.tick(policy).decision());
        Scrape rolledBack = scrape();
        assertEquals(0, rolledBack.value("aviary_rollout_canary_weight", ROLLOUT));
        assertEquals(1, rolledBack.value("aviary_rollouts", "phase", "RolledBack"));
        assertEquals(0, rolledBack.value("aviary_rollouts", "phase", "Progressing"));
        assertEquals(1, rolledBack.value("aviary_rollout_phase", rollout("phase", "RolledBack")));
        assertEquals(1, rolledBack.value("aviary_check_outcome", rollout("check", "errors", "outcome", "FAIL")));
        assertTrue(rolledBack.value("aviary_check_evalue", rollout("check", "errors")) >= 100, "a FAIL is an e-value at its threshold");
        rolledBack.promtool();
    }

    @Test
    void aStandbyReplicaReportsNoRolloutAndAPolicyThatGoesAwayTakesItsSeriesWithIt() {
        RolloutController c = watched();
        c.tick(policy);
        assertEquals(1, scrape().find("aviary_rollout_canary_weight", ROLLOUT).size());

        leading.set(false);
        Scrape standby = scrape();
        assertEquals(List.of(), standby.find("aviary_rollout_canary_weight"), "a standby replica's last view is not reported");
        assertEquals(0, standby.sum("aviary_rollouts"));
        assertEquals(0, standby.value("aviary_leader"));

        leading.set(true);
        inForce.clear();
        Scrape gone = scrape();
        assertEquals(List.of(), gone.find("aviary_rollout_canary_weight"));
        assertEquals(List.of(), gone.find("aviary_decisions_total"), "its decisions' series are removed too");
        assertEquals(1, gone.value("aviary_leader"));
    }
}
