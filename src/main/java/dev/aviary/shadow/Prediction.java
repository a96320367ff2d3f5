package dev.aviary.shadow;

import java.util.List;

/**
 * One instance's answer, as a protocol decoded it: class labels with their probabilities (a classifier, possibly
 * only its top k), a label alone, or numeric values (a fraud score, a regression). Comparators read these; they
 * never see a protocol's JSON.
 *
 * @param labels the class labels, aligned with {@code scores} when both are given; empty for numeric outputs
 * @param scores the labels' probabilities, or the numeric outputs when there are no labels; empty for a bare label
 */
public record Prediction(List<String> labels, double[] scores) {

    public Prediction {
        labels = List.copyOf(labels);
        scores = scores.clone();
        if (!labels.isEmpty() && scores.length != 0 && scores.length != labels.size()) {
            throw new IllegalArgumentException(labels.size() + " labels but " + scores.length + " probabilities");
        }
    }

    /** A classifier's answer: each label with its probability. */
    public static Prediction classes(List<String> labels, double[] probabilities) {
        return new Prediction(labels, probabilities);
    }

    /** A bare predicted label. */
    public static Prediction label(String label) {
        return new Prediction(List.of(label), new double[0]);
    }

    /** Numeric outputs (a score, a regression value, a vector). */
    public static Prediction values(double... values) {
        return new Prediction(List.of(), values);
    }

    public boolean isNumeric() {
        return labels.isEmpty();
    }

    @Override
    public double[] scores() {
        return scores.clone();
    }
}
