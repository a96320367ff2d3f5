package dev.aviary.metrics.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.aviary.analysis.AgreementJudge;
import dev.aviary.analysis.JudgeMemory;
import dev.aviary.analysis.Observation;
import dev.aviary.analysis.Outcome;
import dev.aviary.analysis.ReplayFailures;
import dev.aviary.analysis.StepContext;
import dev.aviary.analysis.Verdict;
import dev.aviary.checks.CheckTypes;
import dev.aviary.checks.shadow.ShadowAgreement;
import dev.aviary.checks.shadow.SourceSpec;
import dev.aviary.policy.CheckSpec;
import dev.aviary.sandbox.PrometheusServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The prometheus shadow source against a real Prometheus scraping an outside comparator's counters: 20 pairs per
 * second compared, 18 of them agreeing (90%).
 */
class AgreementCountsPrometheusTest {

    @TempDir
    static Path dir;
    static HttpServer exporter;
    static PrometheusServer prometheus;
    static PrometheusSource source;
    static final long START = System.nanoTime();

    @BeforeAll
    static void start() throws Exception {
        exporter = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        exporter.createContext("/metrics", x -> {
            double seconds = (System.nanoTime() - START) / 1e9;
            long compared = (long) (20 * seconds), agreed = compared * 9 / 10;
            byte[] body = ("# TYPE shadow_pairs_total counter\nshadow_pairs_total{model=\"fraud\"} " + compared + "\n"
                    + "# TYPE shadow_pairs_agreed_total counter\nshadow_pairs_agreed_total{model=\"fraud\"} " + agreed + "\n")
                    .getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        exporter.start();
        prometheus = PrometheusServer.start(dir, "127.0.0.1:" + exporter.getAddress().getPort());
        PrometheusClient client = new PrometheusClient(new TestPrometheusConfig(prometheus.url()));
        source = new PrometheusSource(client, new TestPrometheusConfig(prometheus.url()), new CheckTypes());
        // increase() needs two samples in the window: wait for a few scrapes
        long deadline = System.currentTimeMillis() + 30_000;
        while (client.query("shadow_pairs_total").isEmpty() || client.query("count_over_time(shadow_pairs_total[1m])").get(0).value() < 6) {
            if (System.currentTimeMillis() > deadline) throw new IOException("Prometheus did not scrape the exporter");
            Thread.sleep(500);
        }
    }

    @AfterAll
    static void stop() {
        if (prometheus != null) prometheus.close();
        if (exporter != null) exporter.stop(0);
    }

    private static CheckSpec check(String agreeQuery, String totalQuery) {
        return new ShadowAgreement.Spec("agreement", 0.95, 50, new SourceSpec(null, agreeQuery, totalQuery));
    }

    private static Observation observe(String agreeQuery, String totalQuery) {
        return source.observe(PrometheusSourceTest.policy(), check(agreeQuery, totalQuery), PrometheusSourceTest.ARMS, Duration.ofSeconds(30));
    }

    @Test
    void theIncreaseOfBothCountersOverTheWindowIsThePairs() {
        Observation o = observe("sum(increase(shadow_pairs_agreed_total{model=\"fraud\"}[{{window}}]))",
                "sum(increase(shadow_pairs_total{model=\"fraud\"}[{{window}}]))");
        Observation.Pairs p = assertInstanceOf(Observation.Pairs.class, o, o::toString);
        assertTrue(p.compared() >= 80 && p.compared() <= 700, "about 20 pairs per second over the scraped part of 30 s: " + p);
        assertEquals(0.9, (double) p.agreed() / p.compared(), 0.02, p::toString);
        assertEquals(ReplayFailures.NONE, p.failures());
        // and the same check's judge reads it: 90% against 95% with a few hundred pairs is no pass
        Verdict v = new AgreementJudge(0.95, 50).judge("agreement", p, new StepContext(0.1, 0, 2, 0.01, 500), JudgeMemory.EMPTY);
        assertTrue(v.outcome() == Outcome.FAIL || v.outcome() == Outcome.INCONCLUSIVE, v.message());
    }

    @Test
    void moreAgreeingThanComparedPairsIsMissingData() {
        Observation o = observe("sum(increase(shadow_pairs_total[{{window}}]))", "sum(increase(shadow_pairs_agreed_total[{{window}}]))");
        Observation.Missing m = assertInstanceOf(Observation.Missing.class, o, o::toString);
        assertTrue(m.reason().startsWith("the agreement check's agreeQuery counts ") && m.reason().endsWith("they must count the same pairs"),
                m.reason());
    }

    @Test
    void noSeriesOrSeveralSeriesIsMissingDataNeverZero() {
        Observation none = observe("sum(increase(shadow_pairs_agreed_total{model=\"other\"}[{{window}}]))",
                "sum(increase(shadow_pairs_total[{{window}}]))");
        assertTrue(assertInstanceOf(Observation.Missing.class, none).reason().contains("agreeQuery returned no series"), none::toString);
        Observation several = observe("increase(shadow_pairs_agreed_total[{{window}}])",
                "sum(increase(shadow_pairs_total[{{window}}])) by (model) or vector(1)");
        assertTrue(assertInstanceOf(Observation.Missing.class, several).reason().contains("totalQuery returned 2 series; sum them"),
                several::toString);
    }
}
