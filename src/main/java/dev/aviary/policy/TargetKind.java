package dev.aviary.policy;

import java.util.Optional;

/**
 * One kind of target a policy may name under {@code spec.target} ({@code istio}, {@code kserve}): reads and
 * validates its own mapping into its own {@link Target} record. Registered in TargetSection.KINDS.
 */
interface TargetKind {

    /** The field under spec.target: "istio". */
    String field();

    /** What it moves, briefly: "a VirtualService". */
    String moves();

    /** What it moves, as a policy without a target is told: "a VirtualService with baseline and canary subsets". */
    String movesFully();

    /** The record this kind reads into. */
    Class<? extends Target> type();

    /** The target read from its mapping under spec.target, or null after reporting what is wrong. */
    Target read(PolicyNode node);

    /** Why a step of {@code kind} (written as {@code field}) cannot run on this kind of target; empty when it can. */
    default Optional<String> refuses(Step.Kind kind, String field) {
        return Optional.empty();
    }
}
