package dev.aviary.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.aviary.analysis.Observation;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;
import dev.aviary.shadow.CompareSpec;
import dev.aviary.shadow.ProtocolSpec;
import dev.aviary.shadow.ReplayMeasure;
import dev.aviary.shadow.ReplaySpec;
import dev.aviary.traffic.ArmLabels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The daemon's one metric source sends replay checks to the shadow source and the rest to Prometheus. */
class RoutedSourceTest {

    record Check(String name, Measure measure) implements CheckSpec {}

    /** A source that answers with its own name and remembers what it was asked. */
    static final class Named implements MetricSource {
        final String name;
        final List<String> asked = new ArrayList<>();

        Named(String name) {
            this.name = name;
        }

        @Override
        public Observation observe(Policy policy, CheckSpec check, ArmLabels arms, Duration window) {
            asked.add(check.name());
            return new Observation.Missing(name);
        }

        @Override
        public Observation requests(Policy policy, ArmLabels arms, Duration window) {
            asked.add("requests");
            return new Observation.Missing(name);
        }
    }

    static final Measures MEASURES = new Measures() {
        @Override
        public Measure of(CheckSpec check) {
            return ((Check) check).measure();
        }

        @Override
        public RequestMetrics requests(Policy policy) {
            throw new UnsupportedOperationException();
        }
    };

    @Test
    void replayChecksGoToTheShadowSourceAndEverythingElseToPrometheus() {
        Named shadow = new Named("shadow");
        Named prometheus = new Named("prometheus");
        RoutedSource routed = new RoutedSource(MEASURES, Map.of(ReplayMeasure.class, shadow), prometheus);
        ReplaySpec spec = new ReplaySpec("golden.jsonl", new ProtocolSpec("tfserving", "resnet", null, null, null, null), null, 2, 4,
                Duration.ofSeconds(5), CompareSpec.TOP1);
        Duration w = Duration.ofMinutes(1);
        assertEquals(new Observation.Missing("shadow"), routed.observe(null, new Check("agreement", new ReplayMeasure("agreement", spec, false)), null, w));
        assertEquals(new Observation.Missing("shadow"), routed.observe(null, new Check("drift", new ReplayMeasure("drift", spec, true)), null, w));
        // agreement counts an outside comparator exported are Prometheus queries
        assertEquals(new Observation.Missing("prometheus"),
                routed.observe(null, new Check("exported", new Measure.AgreementCounts("a", "t", "exported")), null, w));
        assertEquals(new Observation.Missing("prometheus"), routed.requests(null, null, w));
        assertEquals(List.of("agreement", "drift"), shadow.asked);
        assertEquals(List.of("exported", "requests"), prometheus.asked);
    }
}
