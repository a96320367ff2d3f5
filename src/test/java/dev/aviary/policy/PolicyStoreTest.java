package dev.aviary.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyStoreTest {

    @TempDir
    Path dir;

    static String policy(String name, int firstWeight) {
        return PolicyLoaderTest.MINIMAL.replace("name: fraud", "name: " + name).replace("weight: 50", "weight: " + firstWeight);
    }

    private Path write(String file, String content) throws IOException {
        return Files.writeString(dir.resolve(file), content);
    }

    private static List<String> keys(List<Policy> ps) {
        return ps.stream().map(Policy::key).toList();
    }

    @Test
    void loadsEveryYamlAndYmlFileAndIgnoresOthers() throws IOException {
        write("a.yaml", policy("a", 10));
        write("b.yml", policy("b", 10));
        write("notes.txt", "not a policy");
        write(".#a.yaml", "editor lock file");
        PolicyStore store = new PolicyStore(dir);

        ReloadReport r = store.reload();

        assertEquals(List.of("default/a", "default/b"), keys(r.added()));
        assertEquals(2, store.active().size());
        assertEquals(10, store.get("default/a").orElseThrow().steps().get(0).weight());
        assertTrue(store.rejected().isEmpty());
        assertFalse(store.reload().hasChanges(), "an unchanged directory is no change");
    }

    @Test
    void invalidEditKeepsTheLastValidVersionAndLeavesOthersAlone() throws IOException {
        Path a = write("a.yaml", policy("a", 10));
        write("b.yaml", policy("b", 10));
        PolicyStore store = new PolicyStore(dir);
        store.reload();
        Policy bBefore = store.get("default/b").orElseThrow();

        write("a.yaml", policy("a", 20).replace("weight: 100", "weight: 10"));
        ReloadReport r = store.reload();

        assertFalse(r.hasChanges());
        assertEquals(Set.of(a), r.rejected());
        assertEquals(10, store.get("default/a").orElseThrow().steps().get(0).weight(), "old version stays in force");
        assertSame(bBefore, store.get("default/b").orElseThrow());
        Problem p = store.rejected().get(a).get(0);
        assertEquals("spec.steps[1].weight", p.field());
        assertEquals(13, p.line());

        write("a.yaml", policy("a", 20));
        ReloadReport fixed = store.reload();
        assertEquals(List.of("default/a"), keys(fixed.changed()));
        assertEquals(20, store.get("default/a").orElseThrow().steps().get(0).weight());
        assertTrue(store.rejected().isEmpty());
    }

    @Test
    void invalidNewFileIsRejectedAndNothingIsApplied() throws IOException {
        Path bad = write("bad.yaml", "kind: [");
        PolicyStore store = new PolicyStore(dir);

        ReloadReport r = store.reload();

        assertTrue(store.active().isEmpty());
        assertEquals(Set.of(bad), store.rejected().keySet());
        assertTrue(r.problems().get(bad).get(0).message().startsWith("invalid YAML"));
    }

    @Test
    void deletedFileRemovesItsPolicy() throws IOException {
        Path a = write("a.yaml", policy("a", 10));
        write("b.yaml", policy("b", 10));
        PolicyStore store = new PolicyStore(dir);
        store.reload();

        Files.delete(a);
        ReloadReport r = store.reload();

        assertEquals(List.of("default/a"), keys(r.removed()));
        assertTrue(store.get("default/a").isEmpty());
        assertTrue(store.get("default/b").isPresent());
    }

    @Test
    void deletingAnInvalidFileAlsoRemovesTheLastValidVersion() throws IOException {
        Path a = write("a.yaml", policy("a", 10));
        PolicyStore store = new PolicyStore(dir);
        store.reload();
        write("a.yaml", "garbage: [");
        store.reload();
        assertTrue(store.get("default/a").isPresent());

        Files.delete(a);
        store.reload();

        assertTrue(store.active().isEmpty());
        assertTrue(store.rejected().isEmpty());
    }

    @Test
    void duplicateNamesKeepTheEarlierLoadedAndReportBoth() throws IOException {
        Path z = write("z.yaml", policy("shared", 10));
        PolicyStore store = new PolicyStore(dir);
        store.reload();

        // a.yaml sorts first, but z.yaml held the name already: z stays.
        Path a = write("a.yaml", policy("shared", 20));
        ReloadReport r = store.reload();

        assertFalse(r.hasChanges());
        assertEquals(10, store.get("default/shared").orElseThrow().steps().get(0).weight());
        assertEquals(z, store.get("default/shared").orElseThrow().source());
        assertEquals(Set.of(a), store.rejected().keySet());
        assertTrue(r.problems().get(a).get(0).message().contains("already defined in " + z), r.problems().toString());
        assertEquals(4, r.problems().get(a).get(0).line(), "points at metadata.name");
        assertEquals(9, r.problems().get(a).get(0).column());
        assertTrue(r.problems().get(z).get(0).message().contains("also defined in " + a), r.problems().toString());

        // Once z goes, a takes the name over.
        Files.delete(z);
        ReloadReport after = store.reload();
        assertEquals(List.of("default/shared"), keys(after.changed()));
        assertEquals(a, store.get("default/shared").orElseThrow().source());
        assertTrue(store.rejected().isEmpty());
    }

    @Test
    void duplicateNamesInOneReloadKeepTheFirstByFileName() throws IOException {
        write("b.yaml", policy("shared", 20));
        write("a.yaml", policy("shared", 10));
        PolicyStore store = new PolicyStore(dir);

        store.reload();

        assertEquals(10, store.get("default/shared").orElseThrow().steps().get(0).weight());
        assertEquals(Set.of(dir.resolve("b.yaml")), store.rejected().keySet());
    }

    @Test
    void aFileThatRenamesItsPolicyRemovesTheOldName() throws IOException {
        write("a.yaml", policy("old", 10));
        PolicyStore store = new PolicyStore(dir);
        store.reload();

        write("a.yaml", policy("new", 10));
        ReloadReport r = store.reload();

        assertEquals(List.of("default/new"), keys(r.added()));
        assertEquals(List.of("default/old"), keys(r.removed()));
    }

    @Test
    void configMapSymlinkSwapIsSeenByContent() throws IOException {
        // A ConfigMap volume: a.yaml -> ..data/a.yaml, ..data -> ..v1; an update repoints ..data to ..v2.
        Path v1 = Files.createDirectory(dir.resolve("..v1"));
        Path v2 = Files.createDirectory(dir.resolve("..v2"));
        Files.writeString(v1.resolve("a.yaml"), policy("a", 10));
        Files.writeString(v2.resolve("a.yaml"), policy("a", 40));
        Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
        Files.createSymbolicLink(dir.resolve("a.yaml"), Path.of("..data/a.yaml"));
        PolicyStore store = new PolicyStore(dir);
        store.reload();
        assertEquals(10, store.get("default/a").orElseThrow().steps().get(0).weight());

        Path tmp = Files.createSymbolicLink(dir.resolve("..data_tmp"), v2.getFileName());
        Files.move(tmp, dir.resolve("..data"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        ReloadReport r = store.reload();

        assertEquals(List.of("default/a"), keys(r.changed()));
        assertEquals(40, store.get("default/a").orElseThrow().steps().get(0).weight());
        assertEquals(1, store.active().size(), "..data and ..v1 are not policy files");
    }

    @Test
    void aNaNAlphaIsAProblemOfItsFileAndOtherFilesStillReload() throws IOException {
        Path a = write("a.yaml", policy("a", 10));
        Path nan = write("nan.yaml", policy("nan", 10).replace("  steps:", "  alpha: .nan\n  steps:"));
        PolicyStore store = new PolicyStore(dir);

        store.reload();
        write("a.yaml", policy("a", 20));
        ReloadReport r = store.reload();

        assertEquals(List.of("default/a"), keys(r.changed()), "a fix elsewhere is applied");
        assertEquals(Set.of(nan), store.rejected().keySet());
        assertEquals("spec.alpha", store.rejected().get(nan).get(0).field());
        assertTrue(store.rejected().get(nan).get(0).message().contains(".nan is not a number"));
        assertTrue(store.get("default/a").isPresent() && a.equals(store.get("default/a").get().source()));
    }

    @Test
    void anyExceptionFromLoadingOneFileBecomesThatFilesProblem() throws IOException {
        write("a.yaml", policy("a", 10));
        Path cursed = write("cursed.yaml", policy("cursed", 10));
        PolicyLoader choking = new PolicyLoader() {
            @Override
            Policy parse(byte[] bytes, Path file) throws PolicyException {
                if (file.equals(cursed)) throw new IllegalStateException("validator bug");
                return super.parse(bytes, file);
            }
        };
        PolicyStore store = new PolicyStore(dir, choking);

        ReloadReport r = store.reload();
        write("a.yaml", policy("a", 30));
        ReloadReport again = store.reload();

        assertEquals(List.of("default/a"), keys(r.added()));
        assertEquals(List.of("default/a"), keys(again.changed()), "the next reload still applies the other files");
        assertEquals(30, store.get("default/a").orElseThrow().steps().get(0).weight());
        Problem p = store.rejected().get(cursed).get(0);
        assertEquals(cursed + ": Aviary could not validate this file (internal error: IllegalStateException); please "
                + "report it with the file", p.toString());
    }

    @Test
    void anOversizedFileIsRejectedWithoutBeingRead() throws IOException {
        write("a.yaml", policy("a", 10));
        Path big = write("big.yaml", "#" + "x".repeat(PolicyLoader.MAX_BYTES) + "\n");
        PolicyStore store = new PolicyStore(dir);

        store.reload();

        assertEquals(Set.of(big), store.rejected().keySet());
        assertTrue(store.rejected().get(big).get(0).message().contains("at most 256 KiB"));
        assertTrue(store.get("default/a").isPresent());
    }
}
