package dev.aviary.checks;

import dev.aviary.policy.PolicyNode;

/**
 * One check being read, handed to its {@link CheckType}.
 *
 * @param node        the check's mapping, to read further fields and report problems at
 * @param name        its validated name (null when missing or invalid: report on, the check is refused anyway)
 * @param preset      its preset, or null
 * @param presetText  the preset as written (set even when unknown, to tell "no preset" from "a wrong one")
 * @param fields      the fields the built-in types share, already read and checked on their own
 * @param minRequests the policy's minRequests, the default of a check's own sample minimum
 */
public record CheckInput(PolicyNode node, String name, Preset preset, String presetText, CheckFields fields,
                         long minRequests) {

    /** Written with neither a preset nor a wrong preset name: the check brings its own queries. */
    public boolean ownQueries() {
        return preset == null && presetText == null;
    }

    /** Reports each of {@code fields} that is present as not applying to a check of {@code type}. */
    public void notFor(String type, String... fields) {
        for (String f : fields) {
            if (node.has(f)) node.problemAtKey(f, f + " does not apply to a " + type + " check");
        }
    }
}
