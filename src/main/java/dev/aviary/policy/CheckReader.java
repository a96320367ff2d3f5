package dev.aviary.policy;

import java.util.List;
import java.util.ServiceLoader;

/**
 * Reads one entry of {@code spec.checks}: the port through which the validator reaches the check types, which live
 * above this package ({@code checks.CheckTypes} implements it), so that adding a check type never edits the policy.
 * {@link ChecksSection} validates what all checks share (a valid, unique name; no unknown field); the reader
 * validates the rest and reports through the {@link PolicyNode}.
 */
public interface CheckReader {

    /**
     * The check, or null when it has problems (reported on {@code check}).
     *
     * @param name        the check's name, already validated; null when missing or invalid
     * @param minRequests the policy's minRequests, the default of a check's own sample minimum
     */
    CheckSpec read(PolicyNode check, String name, long minRequests);

    /**
     * Reports on {@code check} when it cannot measure {@code target}'s kind, e.g. a preset over another mesh's
     * metrics; the check has been read without problems. Nothing by default.
     */
    default void checkTarget(PolicyNode check, Target target) {}

    /** Fields some check type reads beyond the documented ones ({@code PolicyFields.CHECK}). */
    List<String> extraFields();

    /**
     * The check types the application ships, for callers that do not hand a reader in: found through
     * {@code META-INF/services/dev.aviary.policy.CheckReader}, the one place that names the implementation.
     */
    static CheckReader installed() {
        return ServiceLoader.load(CheckReader.class, CheckReader.class.getClassLoader()).findFirst()
                .orElseThrow(() -> new IllegalStateException("no check types installed: META-INF/services/"
                        + CheckReader.class.getName() + " is missing from the class path"));
    }
}
