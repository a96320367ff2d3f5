package dev.aviary.analysis;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a judge carries from one step to the next (for example the product of earlier steps' e-values). It is
 * stored in the CanaryRollout's status, so a restarted daemon continues with it: keep it small and numeric.
 */
public record JudgeMemory(Map<String, Double> values) {

    public static final JudgeMemory EMPTY = new JudgeMemory(Map.of());

    public JudgeMemory {
        values = Map.copyOf(values);
    }

    public double get(String key, double otherwise) {
        Double v = values.get(key);
        return v == null ? otherwise : v;
    }

    public JudgeMemory with(String key, double value) {
        Map<String, Double> copy = new TreeMap<>(values);
        copy.put(key, value);
        return new JudgeMemory(copy);
    }
}
