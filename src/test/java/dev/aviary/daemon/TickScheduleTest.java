package dev.aviary.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Ticks spread over the interval at a phase each policy keeps, and a late schedule skips rather than bursts. */
class TickScheduleTest {

    static final Duration INTERVAL = Duration.ofSeconds(30);
    static final Instant NOW = Instant.parse("2026-12-06T21:00:00.123Z");

    @Test
    void aPolicysFirstTickFallsOnItsOwnPhaseWithinOneInterval() {
        Instant first = TickSchedule.firstAt("team-a/fraud", INTERVAL, NOW);
        assertFalse(first.isBefore(NOW));
        assertTrue(first.isBefore(NOW.plus(INTERVAL)));
        // another replica, or this one later, computes the same phase
        Instant later = TickSchedule.firstAt("team-a/fraud", INTERVAL, NOW.plusSeconds(47));
        assertEquals(0, Duration.between(first, later).toMillis() % INTERVAL.toMillis());
    }

    @Test
    void athousandPoliciesSpreadOverTheIntervalInsteadOfWakingTogether() {
        int[] perSecond = new int[30];
        for (int i = 0; i < 1000; i++) {
            Instant first = TickSchedule.firstAt("team-" + i + "/model", INTERVAL, NOW);
            perSecond[(int) (Duration.between(NOW, first).toMillis() / 1000)]++;
        }
        for (int second = 0; second < 30; second++) {
            // 33 on average; a herd would put all 1000 in one second
            assertTrue(perSecond[second] > 10 && perSecond[second] < 70, "second " + second + " has " + perSecond[second] + " ticks");
        }
    }

    @Test
    void theNextTickKeepsThePhaseAndATickThatFellBehindSkipsTheMissedSlots() {
        Instant due = TickSchedule.firstAt("team-a/fraud", INTERVAL, NOW);
        assertEquals(due.plus(INTERVAL), TickSchedule.after(due, INTERVAL, due.plusMillis(5)));
        // three and a half intervals late (a full queue): the next slot after now, on the same phase, once
        Instant late = due.plus(INTERVAL.multipliedBy(7).dividedBy(2));
        Instant next = TickSchedule.after(due, INTERVAL, late);
        assertEquals(due.plus(INTERVAL.multipliedBy(4)), next);
    }

    @Test
    void rolloutsSpreadOverTheShardsAndAResizeMovesFewOfThem() {
        int[] perShard = new int[12];
        int moved = 0;
        for (int i = 0; i < 3000; i++) {
            String key = "team-" + i + "/model";
            int shard = ShardMap.shardOf(key, 12);
            perShard[shard]++;
            int resized = ShardMap.shardOf(key, 13);
            if (resized != shard) {
                moved++;
                assertEquals(12, resized, "a rollout that moves on a resize moves to the new shard only");
            }
        }
        for (int n : perShard) assertTrue(n > 150 && n < 350, "250 per shard on average, not " + n);
        assertTrue(moved > 100 && moved < 400, "about 1/13 of 3000 move, not " + moved);
    }

    @Test
    void eachReplicaTakesAtMostItsFairShareAndTogetherTheyHoldEveryShard() {
        assertEquals(4, ShardMap.fairShare(12, 3));
        assertEquals(6, ShardMap.fairShare(12, 2));
        assertEquals(3, ShardMap.fairShare(12, 5));
        assertEquals(1, ShardMap.fairShare(1, 2), "one shard: leader election");
        assertEquals(16, ShardMap.fairShare(16, 0), "no member seen yet: this replica counts itself");
    }
}
