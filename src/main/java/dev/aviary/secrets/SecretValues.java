package dev.aviary.secrets;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Checks secrets as they are read, so a stray newline or space is fixed once, here, and a broken value fails
 * with a one-line message that names its origin ("Secret payments/slack-ml key 'url'", an environment variable)
 * and never the value. Values are trimmed first: {@code kubectl create secret --from-file} keeps the file's final
 * newline.
 */
public final class SecretValues {

    private SecretValues() {}

    /** A bearer token: trimmed, then only visible ASCII (what an HTTP header and RFC 6750 allow). */
    public static String token(String raw, String origin) throws SecretException {
        String t = nonEmpty(raw, origin, "the token");
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new SecretException(origin + " holds " + describe(c) + " inside the token (character " + (i + 1)
                        + " after trimming); store the token alone, on one line");
            }
        }
        return t;
    }

    /** A signing key: trimmed, then no line breaks or other control characters (spaces inside are allowed). */
    public static String key(String raw, String origin) throws SecretException {
        String k = nonEmpty(raw, origin, "the key");
        for (int i = 0; i < k.length(); i++) {
            if (Character.isISOControl(k.charAt(i))) {
                throw new SecretException(origin + " holds " + describe(k.charAt(i)) + " inside the key (character " + (i + 1)
                        + " after trimming); store the key alone, on one line");
            }
        }
        return k;
    }

    /** An http(s) URL with a host: trimmed, then parsed. */
    public static URI url(String raw, String origin) throws SecretException {
        String u = nonEmpty(raw, origin, "the URL (https://...)");
        for (int i = 0; i < u.length(); i++) {
            char c = u.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                throw new SecretException(origin + " holds " + describe(c) + " inside the URL (character " + (i + 1)
                        + " after trimming); store the URL alone, on one line, with spaces written as %20");
            }
        }
        URI uri;
        try {
            uri = new URI(u);
        } catch (URISyntaxException e) {
            // the reason and position only: the exception's own message repeats the input
            throw new SecretException(origin + " is not a valid URL (" + e.getReason().toLowerCase(Locale.ROOT) + " at character "
                    + (e.getIndex() + 1) + "); store the URL alone, e.g. https://hooks.example.com/...");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw new SecretException(origin + " must be an https:// (or http://) URL");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new SecretException(origin + " has no host name; write it as https://host/path");
        }
        return uri;
    }

    private static String nonEmpty(String raw, String origin, String what) throws SecretException {
        String v = raw == null ? "" : raw.strip();
        if (v.isEmpty()) throw new SecretException(origin + " is empty; store " + what + " in it");
        return v;
    }

    private static String describe(char c) {
        return switch (c) {
            case ' ' -> "a space";
            case '\n', '\r' -> "a line break";
            case '\t' -> "a tab";
            default -> c < 0x20 || c == 0x7f ? "a control character" : Character.isWhitespace(c) ? "a space" : "a non-ASCII character";
        };
    }
}
