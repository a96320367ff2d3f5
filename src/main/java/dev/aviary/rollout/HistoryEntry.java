package dev.aviary.rollout;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One decision in the rollout's short history.
 *
 * @param stepNumber the step as people count it, 1 for the policy's first
 */
public record HistoryEntry(String at, Decision decision, int stepNumber, int canaryWeight, String message) {

    /**
     * Reads entries written before the history counted steps from 1: their 0-based {@code step} becomes the step number,
     * so a CanaryRollout carried across an upgrade shows one numbering.
     */
    @JsonCreator
    static HistoryEntry read(@JsonProperty("at") String at, @JsonProperty("decision") Decision decision,
            @JsonProperty("stepNumber") Integer stepNumber, @JsonProperty("step") Integer step,
            @JsonProperty("canaryWeight") int canaryWeight, @JsonProperty("message") String message) {
        int number = stepNumber != null ? stepNumber : step != null ? step + 1 : 0;
        return new HistoryEntry(at, decision, number, canaryWeight, message);
    }
}
