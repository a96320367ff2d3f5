package dev.aviary.policy;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/**
 * A webhook URL is parsed as the HTTP client will parse it, so "https://", a space or a missing host is reported
 * with the policy rather than by the first notification that fails to go out.
 */
final class WebhookUrls {

    static final int MAX_LENGTH = 2048;

    private WebhookUrls() {}

    /** Empty when {@code url} is an http(s) URL with a host; else what is wrong, to follow "url ". */
    static Optional<String> problem(String url) {
        if (url.length() > MAX_LENGTH) {
            return Optional.of("is " + url.length() + " characters long; a webhook URL may be at most " + MAX_LENGTH);
        }
        if (url.chars().anyMatch(c -> c <= ' ' || c == 0x7F)) {
            return Optional.of(OneLine.quote(url) + " contains spaces or control characters; percent-encode them "
                    + "(%20) or remove them");
        }
        String lower = url.toLowerCase(Locale.ROOT);
        for (String scheme : new String[] {"https://", "http://"}) {
            if (lower.startsWith(scheme) && (url.length() == scheme.length() || "/?#".indexOf(url.charAt(scheme.length())) >= 0)) {
                return Optional.of(OneLine.quote(url) + " has no host name after " + scheme);
            }
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return Optional.of(OneLine.quote(url) + " is not a valid URL: " + e.getReason() + " at character "
                    + (e.getIndex() + 1));
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            return Optional.of("must start with https:// (or http://), found " + OneLine.quote(url));
        }
        if (uri.getRawUserInfo() != null) {
            return Optional.of(OneLine.quote(scheme + "://…@" + uri.getHost()) + " carries credentials in the URL; "
                    + "a policy is not a secret, so sign with secretRef instead");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            return Optional.of(OneLine.quote(url) + " has no valid host name after " + scheme + "://");
        }
        if (uri.getPort() > 65535) {
            return Optional.of(OneLine.quote(url) + " has port " + uri.getPort() + "; ports go up to 65535");
        }
        return Optional.empty();
    }
}
