package dev.aviary.checks;

import dev.aviary.analysis.Judge;
import dev.aviary.metrics.Measure;
import dev.aviary.policy.CheckSpec;

import java.util.List;

/**
 * One kind of check, as written after {@code type:} in a policy: how it is read and validated, what it observes and
 * which judge decides it. The extension point for check types: one class each, listed in {@link CheckTypes}.
 *
 * @param <S> the check's record, as the policy carries it
 */
public interface CheckType<S extends CheckSpec> {

    /** The name after {@code type:}, e.g. {@code comparison}. */
    String name();

    /** The record this type reads checks into; tells the registry which type a policy's check belongs to. */
    Class<S> specClass();

    /** Fields this type reads beyond the documented ones, so the validator does not call them unknown. */
    default List<String> fields() {
        return List.of();
    }

    /**
     * Validates the check (reporting through {@code in.node()}) and returns it, or null when it has problems. The
     * fields the built-in types share are already read into {@code in.fields()}.
     */
    S read(CheckInput in);

    /** What to observe for the check, in the metric backends' vocabulary. */
    Measure measure(S check);

    /** The judge that decides the check. */
    Judge judge(S check, JudgeSettings settings);
}
