package dev.aviary.rollout;

public enum Phase {
    /** Known, nothing moved yet. */
    Pending,
    /** Walking the steps. */
    Progressing,
    /** Stopped by a person, a routing mismatch, missing data or a timeout; nothing moves until resumed. */
    Paused,
    /** The canary serves 100%. */
    Promoted,
    /** The canary is back to 0%. */
    RolledBack;

    public boolean terminal() {
        return this == Promoted || this == RolledBack;
    }
}
