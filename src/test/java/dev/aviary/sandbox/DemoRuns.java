package dev.aviary.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** Running a built-in demo as a user does, and reading back the objects it dumped. */
final class DemoRuns {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private DemoRuns() {
    }

    /** {@code aviary demo WHICH --dump DUMP}, which must end as expected (exit 0) without a stack trace. */
    static String run(QuarkusMainLauncher launcher, String which, Path dump) {
        LaunchResult r = launcher.launch("demo", which, "--dump", dump.toString());
        String out = r.getOutput();
        assertEquals(0, r.exitCode(), out + r.getErrorOutput());
        assertFalse((out + r.getErrorOutput()).contains("\tat "), "no stack trace");
        return out;
    }

    /** The dumped object {@code kind/name.yaml} of {@code namespace}. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> dumped(Path dump, String namespace, String kind, String name) throws IOException {
        return YAML.readValue(dump.resolve(namespace).resolve(kind).resolve(name + ".yaml").toFile(), Map.class);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> predictor(Map<String, Object> isvc) {
        return (Map<String, Object>) ((Map<String, Object>) isvc.get("spec")).get("predictor");
    }
}
