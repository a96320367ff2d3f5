package dev.aviary.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Grafana dashboard shipped in docs/grafana: its PromQL expressions (panels' targets, template variables) and the
 * metric names they read.
 */
public record Dashboard(List<String> expressions) {

    public static final Path FILE = Path.of("docs/grafana/aviary-dashboard.json");
    private static final Pattern AVIARY_METRIC = Pattern.compile("\\baviary_[a-zA-Z0-9_]+");

    public static Dashboard read() throws IOException {
        JsonNode root = new ObjectMapper().readTree(FILE.toFile());
        List<String> exprs = new ArrayList<>();
        for (JsonNode panel : root.path("panels")) {
            for (JsonNode target : panel.path("targets")) exprs.add(target.path("expr").asText());
        }
        for (JsonNode variable : root.path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) exprs.add(variable.path("query").path("query").asText());
        }
        return new Dashboard(List.copyOf(exprs));
    }

    /** Every Aviary metric name the expressions read, as exposed (with _total, _bucket, _count, _sum). */
    public Set<String> metricNames() {
        Set<String> names = new TreeSet<>();
        for (String expr : expressions) {
            Matcher m = AVIARY_METRIC.matcher(expr);
            boolean any = false;
            while (m.find()) {
                names.add(m.group());
                any = true;
            }
            if (!any) throw new AssertionError("an expression of " + FILE + " reads no Aviary metric: " + expr);
        }
        return names;
    }

    /** Every metric the dashboard reads is one this scrape exports. */
    public void assertReadsOnly(Scrape scrape) {
        Set<String> read = metricNames();
        assertFalse(read.isEmpty(), "the dashboard reads no metric");
        Set<String> missing = new TreeSet<>(read);
        missing.removeAll(scrape.names());
        assertEquals(Set.of(), missing, FILE + " reads metrics Aviary does not export; it exports " + scrape.names());
    }
}
