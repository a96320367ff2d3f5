package dev.aviary.shadow;

import java.util.List;

/** What one arm made of one replay: its predictions, or why there are none (one line, no secret). */
public sealed interface ArmAnswer {

    record Answered(List<Prediction> predictions) implements ArmAnswer {
        public Answered {
            predictions = List.copyOf(predictions);
        }
    }

    record Failed(String reason) implements ArmAnswer {}
}
