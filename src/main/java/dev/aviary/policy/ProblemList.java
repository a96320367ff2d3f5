package dev.aviary.policy;

import dev.aviary.policy.YamlNode.Pos;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The problems found in one file, in the order found. Keeps the first {@value #MAX_REPORTED} and only counts the
 * rest, so a hostile file (200,000 aliases) costs neither memory nor a screenful per problem; the report then ends
 * with "and N more problems", placed where the first unreported one is.
 */
final class ProblemList {

    static final int MAX_REPORTED = 50;

    private record Found(Pos pos, String field, String message) {}

    private final List<Found> kept = new ArrayList<>();
    private int count;
    private Pos firstUnreported;

    void add(Pos pos, String field, String message) {
        count++;
        if (kept.size() < MAX_REPORTED) {
            kept.add(new Found(pos, field, message));
        } else if (firstUnreported == null) {
            firstUnreported = pos;
        }
    }

    /** Every problem found, reported or not. */
    int count() {
        return count;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** The problems as the exception that rejects {@code file}. */
    PolicyException toException(Path file) {
        return new PolicyException(toProblems(file), count);
    }

    /** At most {@value #MAX_REPORTED} problems, then one saying how many more there were. */
    List<Problem> toProblems(Path file) {
        List<Problem> out = new ArrayList<>(kept.size() + 1);
        for (Found f : kept) {
            out.add(new Problem(file, f.pos.line(), f.pos.column(), f.field, f.message));
        }
        int more = count - kept.size();
        if (more > 0) {
            out.add(new Problem(file, firstUnreported.line(), firstUnreported.column(), "",
                    "and " + more + " more problem" + (more == 1 ? "" : "s")));
        }
        return out;
    }
}
