package dev.aviary.metrics.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The batched p99 estimate is computed here, not by Prometheus: it must be histogram_quantile's. */
class CounterBatchTest {

    private static TreeMap<Double, Double> cumulative() {
        return new TreeMap<>(Map.of(100.0, 60.0, 250.0, 90.0, 500.0, 99.0, Double.POSITIVE_INFINITY, 100.0));
    }

    @Test
    void interpolatesInsideTheBucketHoldingTheRankLikeHistogramQuantile() {
        assertEquals(100 * 50 / 60.0, CounterBatch.quantile(0.5, cumulative()), 1e-9);
        assertEquals(250 + 250 * 5 / 9.0, CounterBatch.quantile(0.95, cumulative()), 1e-9);
    }

    @Test
    void aRankInTheOpenBucketIsTheHighestFiniteBoundAndNoRequestsIsNaN() {
        assertEquals(500, CounterBatch.quantile(0.999, cumulative()), 1e-9);
        assertTrue(Double.isNaN(CounterBatch.quantile(0.99, new TreeMap<>(Map.of(Double.POSITIVE_INFINITY, 0.0)))));
    }
}
