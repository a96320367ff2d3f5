package dev.aviary.rollout;

/** What a tick decided. */
public enum Decision {
    /** Start the first step. */
    START,
    /** Move to the next step. */
    ADVANCE,
    /** Stay in this step. */
    HOLD,
    /** Move the canary back to 0%. */
    ROLLBACK,
    /** Move the canary to 100%. */
    PROMOTE,
    /** Stop and wait for a person. */
    PAUSE,
    /** A person resumed the rollout. */
    RESUME,
    /** A person approved a pause step: the next step starts. */
    APPROVE
}
