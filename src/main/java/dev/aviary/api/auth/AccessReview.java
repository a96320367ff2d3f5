package dev.aviary.api.auth;

/**
 * Who holds a bearer token, and whether they may change a CanaryRollout. The control API asks this before acting,
 * so the same rights that guard {@code kubectl annotate canaryrollout} guard the API.
 */
public interface AccessReview {

    /**
     * The caller the token belongs to.
     *
     * @throws Unauthenticated when the token is not valid
     * @throws Unavailable     when the token could not be checked
     */
    Caller authenticate(String token) throws Unauthenticated, Unavailable;

    /**
     * Whether the caller may patch the CanaryRollout {@code namespace/name}.
     *
     * @throws Unavailable when the question could not be asked
     */
    Verdict mayPatchRollout(Caller caller, String namespace, String name) throws Unavailable;

    /** The answer; {@code reason} is the authorizer's own words, possibly empty. */
    record Verdict(boolean allowed, String reason) {}

    /** The token names nobody. Messages never contain the token. */
    final class Unauthenticated extends Exception {
        public Unauthenticated(String message) {
            super(message);
        }
    }

    /** The identity backend could not answer (down, or Aviary lacks the right to ask). Never means yes. */
    final class Unavailable extends Exception {
        public Unavailable(String message) {
            super(message);
        }
    }
}
