package dev.aviary.policy;

import dev.aviary.cli.ValidateCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyLinterTest {

    @TempDir
    Path dir;

    @Test
    void reportsProblemsOfEveryFileAndDuplicateNamesAcrossFiles() throws IOException {
        Files.writeString(dir.resolve("a.yaml"), PolicyStoreTest.policy("shared", 10));
        Files.writeString(dir.resolve("b.yml"), PolicyStoreTest.policy("shared", 20));
        Files.writeString(dir.resolve("c.yaml"), PolicyStoreTest.policy("c", 10).replace("weight: 100", "weight: 5"));
        Files.writeString(dir.resolve("readme.md"), "ignored");

        PolicyLinter.Report r = new PolicyLinter().lint(List.of(dir, dir.resolve("missing.yaml")));

        assertEquals(3, r.files().size());
        assertEquals(List.of("", "metadata.name", "spec.steps[1].weight", "spec.steps[1]"),
                r.problems().stream().map(Problem::field).toList(), r.problems().toString());
        assertEquals(dir.resolve("b.yml") + ":4:9: metadata.name: policy default/shared is already defined in "
                + dir.resolve("a.yaml") + "; namespace/name must be unique", r.problems().get(1).toString());
        assertEquals("3 files, 4 problems", r.summary());
    }

    @Test
    void validateCommandPrintsProblemsAndASummaryAndExitsOne() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), PolicyStoreTest.policy("x", 10).replace("weight: 10\n", "weight: 101\n"));
        StringWriter out = new StringWriter();
        CommandLine cmd = new CommandLine(new ValidateCommand());
        cmd.setOut(new PrintWriter(out));

        int exit = cmd.execute(bad.toString());

        assertEquals(1, exit);
        assertEquals(bad + ":12:15: spec.steps[0].weight: weight 101 is outside 0–100; it is the canary's percentage of traffic\n"
                + "1 file, 1 problem\n", out.toString());
    }

    @Test
    void validateCommandExitsZeroOnTheShippedPolicies() {
        StringWriter out = new StringWriter();
        CommandLine cmd = new CommandLine(new ValidateCommand());
        cmd.setOut(new PrintWriter(out));

        assertEquals(0, cmd.execute("policies", "policies/variants"), out::toString);
        assertTrue(out.toString().endsWith("3 files, 0 problems\n"), out.toString());
    }

    @Test
    void theSummaryCountsProblemsPastTheFiftyReported() throws IOException {
        StringBuilder unknown = new StringBuilder();
        for (int i = 0; i < 120; i++) unknown.append("  extra").append(i).append(": 1\n");
        Files.writeString(dir.resolve("many.yaml"), PolicyStoreTest.policy("m", 10).replace("  steps:", unknown + "  steps:"));

        PolicyLinter.Report r = new PolicyLinter().lint(List.of(dir));

        assertEquals(51, r.problems().size());
        assertTrue(r.problems().get(50).message().equals("and 70 more problems"), r.problems().get(50)::toString);
        assertEquals("1 file, 120 problems", r.summary());
    }
}
