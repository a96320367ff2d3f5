package dev.aviary.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aviary.istio.IstioMetrics;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The queries Prometheus ran, read from its own query log (one JSON line per query): counted where they arrive, so
 * every query Aviary sent is seen, batched or not, and nothing else queries this Prometheus. {@link #mark()} before and
 * after the window; {@link #between} reads what was logged in it.
 */
final class QueryLog {

    /** Queries by family ("requests", "duration", "other") and kind, and Prometheus' evaluation time in seconds. */
    record Counts(Map<String, Long> byFamily, long total, double evalSeconds) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;

    QueryLog(Path file) {
        this.file = file;
    }

    /** Where the log ends now. */
    long mark() throws IOException {
        return Files.exists(file) ? Files.size(file) : 0;
    }

    Counts between(long from, long to) throws IOException {
        Map<String, Long> by = new TreeMap<>();
        long total = 0;
        double eval = 0;
        if (to <= from) return new Counts(by, 0, 0);
        byte[] bytes = new byte[(int) (to - from)];
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(from);
            f.readFully(bytes);
        }
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) continue;
            JsonNode entry = JSON.readTree(line);
            String query = entry.path("params").path("query").asText("");
            by.merge(family(query) + " " + kind(query), 1L, Long::sum);
            total++;
            eval += entry.path("stats").path("timings").path("evalTotalTime").asDouble(0);
        }
        return new Counts(by, total, eval);
    }

    /** Which metric family a query reads. */
    static String family(String query) {
        if (query.contains(IstioMetrics.REQUEST_DURATION + "_bucket")) return "duration";
        if (query.contains(IstioMetrics.REQUESTS)) return "requests";
        return "other";
    }

    /**
     * batch: one query serving every rollout on the family (metrics.prometheus.CounterBatch: no service, or the
     * replica's services as one set matcher); start: a rollout's raw samples around its step's start (a range vector);
     * newcomer: a rollout's own counters in a second whose batch did not cover it yet; own: any other query of one
     * rollout (its increase() after a counter reset, a custom query).
     */
    static String kind(String query) {
        if (!query.startsWith("sum by (")) return query.matches("(?s).*}\\[[0-9]+m?s]$") ? "start" : "own";
        if (query.contains("increase(")) return "own";
        if (!query.contains("destination_service_name=") || query.contains("destination_service_name=~")) return "batch";
        return "newcomer";
    }
}
