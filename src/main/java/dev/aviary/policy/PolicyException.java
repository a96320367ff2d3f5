package dev.aviary.policy;

import java.util.List;
import java.util.stream.Collectors;

/** A policy file was rejected; {@link #problems()} lists every problem found in it, not only the first. */
public class PolicyException extends Exception {

    private final List<Problem> problems;

    public PolicyException(List<Problem> problems) {
        super(problems.stream().map(Problem::toString).collect(Collectors.joining("\n")));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a PolicyException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }
}
