package dev.aviary.e2e;

import static dev.aviary.e2e.RolloutEndToEndTest.await;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aviary.daemon.Engine;
import dev.aviary.policy.Policy;
import dev.aviary.policy.PolicyStore;
import dev.aviary.rollout.CanaryRollout;
import dev.aviary.rollout.CheckRecord;
import dev.aviary.rollout.HistoryEntry;
import dev.aviary.rollout.Phase;
import dev.aviary.rollout.RolloutRepository;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The status page in headless Chromium during a sandbox run (mock Kubernetes API, mesh simulator, real Prometheus,
 * the real application): what its charts plot is what the API and the CanaryRollouts recorded, and its buttons steer a
 * rollout with the caller's token. Leaves a screenshot at target/status-page.png.
 */
@QuarkusTest
@QuarkusTestResource(value = SandboxResource.class, restrictToAnnotatedClass = true)
class StatusPageEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    Engine engine;

    @Inject
    RolloutRepository rollouts;

    @Inject
    PolicyStore policies;

    @TestHTTPResource("/")
    URL page;

    @Test
    void chartsShowWhatTheRolloutsRecordedAndTheButtonsSteerWithTheCallersToken() throws Exception {
        engine.start();
        // charts are compared with the API's series once the rollouts stand still: the fraud-detector usually ends rolled
        // back, sometimes paused on a sample-ratio mismatch under the simulator's noise; either way its weights stop moving
        await(Duration.ofSeconds(120), () -> phase("default", "image-classifier") == Phase.Promoted
                && settled(phase("payments", "fraud-detector")) ? true : null, "image-classifier promoted, fraud-detector settled");

        try (HeadlessChromium chromium = HeadlessChromium.start(Path.of("target", "chromium"))) {
            chromium.open(page.toString());
            chromium.await("document.querySelectorAll('svg.weight-chart').length === 4"
                    + " && document.querySelectorAll('svg.evalue-chart:not(.empty)').length > 0", Duration.ofSeconds(30));

            for (String rollout : List.of("default/image-classifier", "payments/fraud-detector", "search/ranker")) {
                weightChartMatchesTheSeriesAndTheHistory(chromium, rollout);
                everyCheckHasItsEvidenceCharted(chromium, rollout);
            }
            // a button for each action the API takes, on every rollout
            Set<String> actions = new TreeSet<>(given().get("/api/controls").then().statusCode(200).extract().jsonPath().getList("actions"));
            assertTrue(actions.containsAll(Set.of("pause", "resume", "abort", "promote", "restart")), actions.toString());
            JsonNode shown = chromium.script("return [...document.querySelectorAll('section.rollout')].map(s =>"
                    + " [...s.querySelectorAll('button[data-action]')].map(b => b.dataset.action).sort().join(','));");
            assertEquals(4, shown.size());
            shown.forEach(b -> assertEquals(String.join(",", actions), b.asText()));

            theButtonsSteerWithTheCallersToken(chromium);

            Path png = Path.of("target", "status-page.png");
            chromium.screenshot(png, 6000);
            assertTrue(Files.size(png) > 10_000, "a screenshot with something on it: " + Files.size(png) + " bytes");
            chromium.screenshot(Path.of("target", "status-page-rollout.png"), "#rollout-default-image-classifier");
        }
    }

    /** The dots on the weight chart are the weight changes in the series the API serves, and in the recorded history. */
    private void weightChartMatchesTheSeriesAndTheHistory(HeadlessChromium chromium, String rollout) throws Exception {
        JsonNode series = JSON.readTree(given().get("/api/rollouts/" + rollout + "/series").then().statusCode(200).extract().asString());
        List<Integer> weights = new ArrayList<>();
        series.path("points").forEach(p -> weights.add(p.path("canaryWeight").asInt()));
        CanaryRollout cr = rollouts.get(rollout.split("/")[0], rollout.split("/")[1]);
        List<Integer> recorded = new ArrayList<>(List.of(0)); // every rollout starts with the canary at 0%
        cr.getStatus().history().stream().map(HistoryEntry::canaryWeight).forEach(recorded::add);

        JsonNode chart = chromium.script("const svg = document.querySelector(`svg.weight-chart[data-rollout=\"${arguments[0]}\"]`);"
                + " return {dots: svg.querySelectorAll('circle.weight-change').length, points: +svg.dataset.points};", rollout);
        assertEquals(changes(weights), chart.path("dots").asInt(), rollout + ": dots against the series' weights " + weights);
        assertEquals(changes(recorded), chart.path("dots").asInt(), rollout + ": dots against the recorded history " + recorded);
        if (settled(cr.getStatus().phase())) {
            assertEquals(series.path("points").size(), chart.path("points").asInt(), rollout + ": every point of the series is plotted");
        } else {
            assertTrue(chart.path("points").asInt() > 0, rollout + ": points plotted"); // it ticks on: the page's copy may be older
        }
        assertTrue(series.path("since").isTextual(), rollout + ": live points, not only the recorded history");

        // the history table names each decision's step as people count it: 1 to the policy's number of steps
        int steps = policies.active().stream().filter(p -> p.key().equals(rollout)).findFirst().orElseThrow().steps().size();
        JsonNode cells = chromium.script("const box = document.getElementById('rollout-' + arguments[0].replace('/', '-'));"
                + " return Array.from(box.querySelectorAll('table.history tr.decision')).map(tr => tr.children[2].textContent.trim());",
                rollout);
        assertTrue(cells.size() > 0, rollout + ": decisions in the history table");
        cells.forEach(c -> assertTrue(c.asText().matches("\\d+") && Integer.parseInt(c.asText()) >= 1 && Integer.parseInt(c.asText()) <= steps,
                rollout + ": a history row's step is 1 to " + steps + ", not '" + c.asText() + "'"));
        if (settled(cr.getStatus().phase())) {
            List<String> expected = new ArrayList<>(cr.getStatus().history().stream().map(h -> Integer.toString(h.stepNumber())).toList());
            List<String> shown = new ArrayList<>();
            cells.forEach(c -> shown.add(c.asText()));
            java.util.Collections.sort(expected);
            java.util.Collections.sort(shown);
            assertEquals(expected, shown, rollout + ": the history table's steps are the recorded ones");
        }
    }

    /** Each check of the rollout has an e-value chart with its threshold and an estimate chart, both with points. */
    private void everyCheckHasItsEvidenceCharted(HeadlessChromium chromium, String rollout) {
        CanaryRollout cr = rollouts.get(rollout.split("/")[0], rollout.split("/")[1]);
        assertFalse(cr.getStatus().checks().isEmpty(), rollout + " has verdicts");
        Policy policy = policies.active().stream().filter(p -> p.key().equals(rollout)).findFirst().orElseThrow();
        for (CheckRecord check : cr.getStatus().checks()) {
            JsonNode charts = chromium.script("const box = document.querySelector(`div.evidence[data-rollout=\"${arguments[0]}\"]"
                    + "[data-check=\"${arguments[1]}\"]`); if (!box) return null;"
                    + " const e = box.querySelector('svg.evalue-chart'), s = box.querySelector('svg.estimate-chart');"
                    + " return {e: +e.dataset.points, threshold: e.dataset.threshold || null, lines: box.querySelectorAll('path.evalue-line').length,"
                    + " s: +s.dataset.points, band: box.querySelectorAll('path.bounds').length};", rollout, check.check());
            assertFalse(charts.isNull(), rollout + " " + check.check() + ": an evidence chart");
            if (check.evidence() != null && check.evidence().eValue() != null && Double.isFinite(check.evidence().eValue())) {
                assertTrue(charts.path("e").asInt() > 0, rollout + " " + check.check() + ": e-values plotted " + charts);
                assertEquals(1, charts.path("lines").asInt());
                if (policy.checks().stream().anyMatch(c -> c.name().equals(check.check()))) {
                    // the policy's alpha is split over its checks: each fails at an e-value of 1 / (alpha / checks)
                    assertEquals(policy.checks().size() / policy.alpha(), Double.parseDouble(charts.path("threshold").asText()), 1e-6,
                            charts.toString());
                } else {
                    assertTrue(charts.path("threshold").isNull(), "no policy threshold line for " + check.check() + ": " + charts);
                }
            }
            // a ratio of two zero rates has no estimate (NaN): the chart then says so instead of plotting
            if (check.evidence() != null && check.evidence().estimate() != null && Double.isFinite(check.evidence().estimate())) {
                assertTrue(charts.path("s").asInt() > 0, rollout + " " + check.check() + ": estimates plotted " + charts);
                assertEquals(1, charts.path("band").asInt());
            }
        }
    }

    /**
     * The token typed into the page goes only into the Authorization header: the ranker's operator may pause the ranker
     * (202, and the page says who asked), not the image-classifier (403). An unknown token gets 401.
     */
    private void theButtonsSteerWithTheCallersToken(HeadlessChromium chromium) {
        chromium.click("button[data-rollout='search/ranker'][data-action='pause']");
        chromium.await("document.getElementById('answer').textContent.startsWith('401 pause search/ranker')", Duration.ofSeconds(10));

        chromium.type("#token", SandboxResource.OPERATOR_TOKEN);
        chromium.click("#token-form button[type=submit]");
        chromium.await("document.getElementById('token-state').textContent === 'token set for this tab'", Duration.ofSeconds(5));
        assertEquals(SandboxResource.OPERATOR_TOKEN, chromium.script("return sessionStorage.getItem('aviary.token');").asText());
        assertEquals("", chromium.script("return document.getElementById('token').value;").asText(), "the field is cleared");

        chromium.click("button[data-rollout='search/ranker'][data-action='pause']");
        chromium.await("document.getElementById('answer').textContent"
                + " === '202 pause search/ranker: requested by e2e-operator; Aviary acts on its next tick'", Duration.ofSeconds(10));
        await(Duration.ofSeconds(20), () -> phase("search", "ranker") == Phase.Paused ? true : null, "ranker paused");
        chromium.await("[...document.querySelectorAll('#rollout-search-ranker tr.request')].some(r => r.textContent.includes('e2e-operator'))"
                + " && document.querySelector('#rollout-search-ranker .phase').textContent === 'Paused'", Duration.ofSeconds(10));

        chromium.click("button[data-rollout='default/image-classifier'][data-action='pause']");
        chromium.await("document.getElementById('answer').textContent.startsWith('403 pause default/image-classifier: user e2e-operator may not')",
                Duration.ofSeconds(10));
        assertFalse(chromium.script("return location.href;").asText().contains(SandboxResource.OPERATOR_TOKEN), "never in the URL");
        Map<String, String> annotations = rollouts.get("default", "image-classifier").getMetadata().getAnnotations();
        assertTrue(annotations == null || !annotations.containsKey(CanaryRollout.REQUEST_ANNOTATION), "nothing asked: " + annotations);
    }

    private Phase phase(String namespace, String name) {
        CanaryRollout cr = rollouts.get(namespace, name);
        return cr == null ? null : cr.getStatus().phase();
    }

    private static boolean settled(Phase phase) {
        return phase == Phase.RolledBack || phase == Phase.Promoted || phase == Phase.Paused;
    }

    private static int changes(List<Integer> weights) {
        int n = 0;
        for (int i = 1; i < weights.size(); i++) if (!weights.get(i).equals(weights.get(i - 1))) n++;
        return n;
    }
}
