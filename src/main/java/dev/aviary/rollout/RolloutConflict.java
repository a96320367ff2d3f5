package dev.aviary.rollout;

/** The CanaryRollout changed since it was read (a person's annotation, or a second writer): re-read, re-decide. */
public class RolloutConflict extends RuntimeException {
    public RolloutConflict(String message) {
        super(message);
    }
}
