package dev.aviary.shadow.compare;

import dev.aviary.shadow.CompareSpec;
import dev.aviary.shadow.PredictionComparator;

import java.util.List;

/** The comparators this build has, by the name a policy writes after {@code compare:}: the one list to extend. */
public final class Comparators {

    /** Every method's name, for the policy validator's messages. */
    public static final List<String> NAMES = List.of("top1", "topk", "max-prob-delta", "js", "numeric");

    private Comparators() {
    }

    /**
     * The comparator {@code spec} names.
     *
     * @throws IllegalArgumentException for a method not in {@link #NAMES} (the policy validator refuses those first)
     */
    public static PredictionComparator of(CompareSpec spec) {
        return switch (spec.method()) {
            case "top1" -> new TopOne();
            case "topk" -> new TopK(spec.k(), spec.minOverlap());
            case "max-prob-delta" -> new MaxProbabilityDelta(spec.tolerance());
            case "js" -> new JensenShannon(spec.tolerance());
            case "numeric" -> new NumericDifference(spec.tolerance());
            default -> throw new IllegalArgumentException("unknown compare method \"" + spec.method() + "\"; use one of "
                    + String.join(", ", NAMES));
        };
    }
}
