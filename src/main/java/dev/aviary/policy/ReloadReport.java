package dev.aviary.policy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one {@link PolicyStore#reload()} changed.
 *
 * @param added    policies in force now that were not before
 * @param changed  policies in force before and now, in a new version (different content or file)
 * @param removed  policies no longer in force (their file was deleted, or now declares another name)
 * @param problems every file with problems, including one that stays in force but clashes with another file
 * @param rejected the files whose current content is not in force (invalid, or lost a name clash); for each
 *                 the last valid version of its policy, if any, stays in force
 */
public record ReloadReport(
        List<Policy> added,
        List<Policy> changed,
        List<Policy> removed,
        Map<Path, List<Problem>> problems,
        Set<Path> rejected) {

    public ReloadReport {
        added = List.copyOf(added);
        changed = List.copyOf(changed);
        removed = List.copyOf(removed);
        problems = Map.copyOf(problems);
        rejected = Set.copyOf(rejected);
    }

    public boolean hasChanges() {
        return !added.isEmpty() || !changed.isEmpty() || !removed.isEmpty();
    }
}
