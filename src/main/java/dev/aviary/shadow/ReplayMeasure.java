package dev.aviary.shadow;

import dev.aviary.metrics.Measure;

/**
 * What a shadow check asks of the replay source: pairs of answers from both arms to the same stored requests, over
 * the step so far ({@code Observation.Pairs}), or, with {@code predictions}, what each arm predicted
 * ({@code Observation.Predictions}).
 *
 * @param check names the check (one replay runs per policy and check)
 */
public record ReplayMeasure(String check, ReplaySpec spec, boolean predictions) implements Measure {}
