package dev.aviary.checks;

import dev.aviary.policy.PolicyNode;

import java.util.List;

/**
 * A built-in query family written as {@code preset:} (so ML leads write no PromQL): a check of one check type whose
 * measurement the preset supplies. Each check type says what its presets provide (e.g. {@link Comparison.Preset});
 * presets come in families, one per mesh ({@link PresetFamily}).
 */
public interface Preset {

    /** The name after {@code preset:}, e.g. {@code istio-error-rate}. */
    String name();

    /** The check type it is a preset of, by name. */
    String type();

    /** Fields only this preset (and others that list them) takes, e.g. slowerThan. */
    default List<String> fields() {
        return List.of();
    }

    /** Validates what the preset itself requires (e.g. a field it needs), reporting through {@code check}. */
    default void check(PolicyNode check) {}
}
