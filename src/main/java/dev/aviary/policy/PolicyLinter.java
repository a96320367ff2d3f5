package dev.aviary.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Checks policy files before they are shipped ({@code ./aviary validate <dir|file>...}): every problem of every
 * file, plus names declared by more than one file, which only show up when files are seen together.
 */
public final class PolicyLinter {

    private final PolicyLoader loader;

    public PolicyLinter() {
        this(new PolicyLoader());
    }

    public PolicyLinter(PolicyLoader loader) {
        this.loader = Objects.requireNonNull(loader);
    }

    /**
     * @param files    the files looked at
     * @param problems     every problem reported, file by file in the order the files were given (a file with
     *                     more than 50 ends with one saying "and N more problems")
     * @param policies     the policies that validated (a duplicate-named one included)
     * @param problemCount every problem found, reported or not
     */
    public record Report(List<Path> files, List<Problem> problems, List<Policy> policies, int problemCount) {
        public Report {
            files = List.copyOf(files);
            problems = List.copyOf(problems);
            policies = List.copyOf(policies);
        }

        public Report(List<Path> files, List<Problem> problems, List<Policy> policies) {
            this(files, problems, policies, problems.size());
        }

        public boolean ok() {
            return problems.isEmpty();
        }

        /** "3 files, 2 problems". */
        public String summary() {
            return files.size() + (files.size() == 1 ? " file, " : " files, ") + problemCount
                    + (problemCount == 1 ? " problem" : " problems");
        }
    }

    /** Directories expand to their *.yaml / *.yml files (not recursively, as the store reads them); files are taken as given. */
    public Report lint(List<Path> paths) {
        List<Problem> problems = new ArrayList<>();
        Set<Path> files = new LinkedHashSet<>();
        for (Path path : paths) {
            if (Files.isDirectory(path)) {
                try {
                    files.addAll(PolicyStore.policyFiles(path));
                } catch (IOException e) {
                    problems.add(new Problem(path, 0, 0, "", "cannot list the directory: " + e.getMessage()));
                }
            } else if (Files.exists(path)) {
                files.add(path);
            } else {
                problems.add(new Problem(path, 0, 0, "", "no such file or directory"));
            }
        }
        List<Policy> policies = new ArrayList<>();
        Map<String, Path> firstByKey = new HashMap<>();
        int unreported = 0;
        for (Path file : files) {
            try {
                byte[] bytes = PolicyLoader.read(file);
                Policy policy = loader.parse(bytes, file);
                policies.add(policy);
                Path first = firstByKey.putIfAbsent(policy.key(), file);
                if (first != null) {
                    YamlNode.Pos at = PolicyLoader.namePosition(bytes);
                    problems.add(new Problem(file, at.line(), at.column(), "metadata.name", "policy " + policy.key()
                            + " is already defined in " + first + "; namespace/name must be unique"));
                }
            } catch (PolicyException e) {
                problems.addAll(e.problems());
                unreported += e.total() - e.problems().size(); // the "and N more" line stands for N
            }
        }
        return new Report(new ArrayList<>(files), problems, policies, problems.size() + unreported);
    }
}
