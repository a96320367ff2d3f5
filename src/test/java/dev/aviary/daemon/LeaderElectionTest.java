package dev.aviary.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aviary.policy.PolicyStore;
import io.fabric8.kubernetes.client.KubernetesClient;
import dev.aviary.cache.WatchCache;
import dev.aviary.traffic.TrafficRouters;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import org.eclipse.microprofile.health.HealthCheckResponse.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas against one API server with one shard (plain leader election): one leads through the shard's Lease,
 * the other takes over when it stops.
 */
@EnableKubernetesMockClient(crud = true)
class LeaderElectionTest {

    static KubernetesClient client;

    @TempDir
    Path policies;

    /** Readiness too: ready once the policies were read and the replica runs for the Lease, leading or not. */
    @Test
    void oneReplicaLeadsAndTheOtherTakesOverWhenItStops() throws Exception {
        Engine a = engine(), b = engine();
        EngineReadiness readyA = new EngineReadiness(a), readyB = new EngineReadiness(b);
        try {
            assertEquals(Status.DOWN, readyA.call().getStatus(), "not ready before the engine started");
            a.start();
            assertEquals(Status.UP, readyA.call().getStatus(), "ready as soon as it runs for the Lease");
            await(a::leading, "the first replica leads");
            b.start();
            Thread.sleep(3_000); // a few of b's retry periods
            assertFalse(b.leading(), "only one replica leads");
            assertEquals(Status.UP, readyB.call().getStatus(), "a replica that does not lead still serves the API");
            assertEquals(false, readyB.call().getData().orElseThrow().get("leading"), "and says it does not lead");
            a.stop(); // releases the Lease
            assertEquals(Status.DOWN, readyA.call().getStatus(), "a stopped engine is not ready");
            await(b::leading, "the second replica takes over");
            assertFalse(a.leading());
        } finally {
            a.stop();
            b.stop();
        }
    }

    @Test
    void aReplicaThatLostTheLeaseRunsForItAgain() throws Exception {
        Engine a = engine();
        try {
            a.start();
            await(a::leading, "leads");
            // another holder takes the Lease over (as after an API server blip longer than the renew deadline)
            takeLeaseOver("someone-else");
            await(() -> !a.leading(), "notices it lost the Lease");
            // someone-else never renews: once its lease expires, the replica must lead again
            await(a::leading, "leads again");
        } finally {
            a.stop();
        }
    }

    /** Write another holder into the Lease, retrying while the elector's own renewals race the write. */
    private static void takeLeaseOver(String holder) throws InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                client.leases().inNamespace("test").withName("aviary-leader-0").edit(l -> {
                    l.getSpec().setHolderIdentity(holder);
                    l.getSpec().setLeaseDurationSeconds(3);
                    l.getSpec().setRenewTime(java.time.ZonedDateTime.now());
                    return l;
                });
                return;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 20) throw e;
                Thread.sleep(50);
            }
        }
    }

    private Engine engine() {
        return new Engine(new PolicyStore(policies), null, TestEngineConfig.leaderElection(policies), client,
                new PolicyWatches(new WatchCache(client), TrafficRouters.of()), Clock.systemUTC());
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(45));
        while (Instant.now().isBefore(deadline)) {
            if (condition.getAsBoolean()) return;
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting until " + what);
    }
}
