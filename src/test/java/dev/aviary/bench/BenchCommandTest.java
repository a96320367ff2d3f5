package dev.aviary.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code aviary bench} run small, in-process, as a user runs it: 20 policies (one with a broken query) on the mock API
 * server, the mesh and a real Prometheus, the daemon's engine ticking them every 5 s; its JSON holds every figure and the
 * figures are those of a daemon at work. No timing is asserted: the machine may be busy.
 */
@QuarkusMainTest
class BenchCommandTest {

    private static final List<String> FIELDS = List.of("rollouts", "ticksPerSecond", "tickP50Ms", "tickP99Ms", "tickLagP99Ms",
            "heapAfterGcMb", "rssMb", "apiRequestsPerRolloutTick", "apiRequestsPerHoldTick", "promqlQueriesPerTick",
            "promqlQueriesPerSecond", "promqlQueriesPerSecondByFamily", "cpuCores", "healthyTickP99Ms", "brokenTickP99Ms");

    @Test
    void twentyRolloutsTickOnCachesAndBatchedQueries(QuarkusMainLauncher launcher) throws Exception {
        // the warm-up covers each rollout's first step start and Prometheus' first scrapes of its canary (every 15 s)
        LaunchResult r = launcher.launch("bench", "--rollouts", "20", "--broken", "1", "--interval", "5s", "--warmup", "25s",
                "--duration", "20s", "--json");
        String all = r.getOutput() + r.getErrorOutput();
        assertEquals(0, r.exitCode(), all);
        assertFalse(all.contains("\tat "), "no stack trace: " + all);
        String line = r.getOutput().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow(() -> new AssertionError(all));
        JsonNode json = new ObjectMapper().readTree(line);
        for (String field : FIELDS) assertTrue(json.has(field), field + " in " + line);

        assertEquals(20, json.get("rollouts").asInt());
        assertTrue(json.get("startWaveSeconds").asDouble() > 0, "every rollout started: " + line);
        assertEquals(Runtime.getRuntime().availableProcessors(), json.get("cpuCores").asInt());
        long ticks = json.get("rolloutTicks").asLong();
        assertTrue(json.get("holdTicks").asLong() > 0 && ticks >= json.get("holdTicks").asLong(), line);
        // every rollout ticks once per interval (a tick due at the window's edge may end just outside it)
        assertTrue(json.get("ticksPerRolloutPerInterval").asDouble() >= 0.9, line);
        assertTrue(json.get("tickP50Ms").asDouble() > 0 && json.get("tickP99Ms").asDouble() >= json.get("tickP50Ms").asDouble(), line);
        assertTrue(json.get("heapAfterGcMb").asDouble() > 0 && json.get("rssMb").asDouble() > json.get("heapAfterGcMb").asDouble(), line);
        // a HOLD reads the watch caches: no request to the API server, but the rare status refresh
        assertTrue(json.get("apiRequestsPerHoldTick").asDouble() <= 0.05, line);
        // a 3-check policy read alone asks 6 queries per tick; batched, a second's ticks share one query per family
        assertTrue(json.get("promqlQueriesPerTick").asDouble() <= 1, line);
        JsonNode families = json.get("promqlQueriesPerSecondByFamily");
        assertTrue(families.path("requests batch").asDouble() > 0 && families.path("duration batch").asDouble() > 0, line);
        // the broken policy's own query is sent at each of its ticks, and answered with an error, not a stall
        assertTrue(families.path("requests own").asDouble() > 0, line);
    }
}
