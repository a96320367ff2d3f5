package dev.aviary.rollout;

public enum Phase {
    /** Known, nothing moved yet. */
    Pending,
    /** Walking the steps. */
    Progressing,
    /**
     * At a pause step: the weights of the step before hold, the checks are still judged (a failure rolls back), and
     * the next step waits for a person's approval (or the pause's duration).
     */
    AwaitingApproval,
    /** Stopped by a person, a routing mismatch, missing data or a timeout; nothing moves until resumed. */
    Paused,
    /** The canary serves 100%. */
    Promoted,
    /** The canary is back to 0%. */
    RolledBack;

    /** The canary holds its share and its checks are judged: walking the steps, or waiting at a pause step. */
    public boolean underway() {
        return this == Progressing || this == AwaitingApproval;
    }

    public boolean terminal() {
        return this == Promoted || this == RolledBack;
    }
}
