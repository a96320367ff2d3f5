package dev.aviary.api.auth;

import java.util.Optional;

/** Reads the token out of an {@code Authorization: Bearer <token>} header (RFC 6750 section 2.1). */
public final class BearerToken {

    private BearerToken() {}

    /** The token, or empty when the header is missing, of another scheme, or malformed. */
    public static Optional<String> parse(String authorization) {
        if (authorization == null) return Optional.empty();
        String h = authorization.strip();
        int space = h.indexOf(' ');
        if (space < 0 || !h.substring(0, space).equalsIgnoreCase("Bearer")) return Optional.empty();
        String token = h.substring(space + 1).strip();
        // token68: no whitespace or control characters inside
        if (token.isEmpty() || token.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) return Optional.empty();
        return Optional.of(token);
    }
}
