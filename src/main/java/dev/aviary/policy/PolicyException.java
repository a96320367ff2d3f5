package dev.aviary.policy;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A policy file was rejected; {@link #problems()} lists the problems found in it, not only the first (at most
 * {@value ProblemList#MAX_REPORTED}, then one saying "and N more problems").
 */
public class PolicyException extends Exception {

    private final List<Problem> problems;
    private final int total;

    public PolicyException(List<Problem> problems) {
        this(problems, problems.size());
    }

    /** @param total how many problems were found, including those past the reported ones */
    PolicyException(List<Problem> problems, int total) {
        super(problems.stream().map(Problem::toString).collect(Collectors.joining("\n")));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a PolicyException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
        this.total = Math.max(total, problems.size());
    }

    public List<Problem> problems() {
        return problems;
    }

    /** Every problem found; more than {@code problems().size()} when the list was cut short. */
    public int total() {
        return total;
    }
}
