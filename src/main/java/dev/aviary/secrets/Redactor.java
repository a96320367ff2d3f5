package dev.aviary.secrets;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one place text is cleaned of secrets. Whatever reads a secret registers the value here before using it;
 * logs, Kubernetes Events, notifications, exception messages and API answers then pass through {@link #redact},
 * which replaces every known secret, in every form it is likely to be printed in, with {@value #MARK}.
 */
public final class Redactor {

    public static final String MARK = "<redacted>";

    /** Shorter values are not registered: replacing every "abc" would garble all output and protect nothing. */
    static final int MIN_LENGTH = 4;

    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    /** Every form of every secret, longest first, so a value is replaced whole before any part of it. */
    private volatile List<String> forms = List.of();

    /** Remembers a secret (as read: untrimmed) and its printable forms; cheap when it is already known. */
    public void register(String secret) {
        if (secret == null || secret.strip().length() < MIN_LENGTH || registered.contains(secret)) return;
        synchronized (this) {
            if (!registered.add(secret)) return;
            Set<String> all = new LinkedHashSet<>(forms);
            for (String f : forms(secret)) {
                if (f.length() >= MIN_LENGTH) all.add(f);
            }
            List<String> sorted = new ArrayList<>(all);
            sorted.sort(Comparator.comparingInt(String::length).reversed());
            forms = List.copyOf(sorted);
        }
    }

    /** The text with every known secret replaced; null stays null. */
    public String redact(String text) {
        if (text == null || text.isEmpty()) return text;
        String out = text;
        for (String f : forms) {
            if (out.contains(f)) out = out.replace(f, MARK);
        }
        return out;
    }

    /** Whether the text holds a known secret. */
    public boolean reveals(String text) {
        if (text == null) return false;
        for (String f : forms) {
            if (text.contains(f)) return true;
        }
        return false;
    }

    /** No secret registered yet: nothing to do. */
    public boolean isEmpty() {
        return forms.isEmpty();
    }

    /**
     * The ways a value shows up in output: as read, trimmed, line by line, JSON- or Java-escaped (a newline as
     * {@code \n}), URL-encoded or decoded, base64 (a Secret's data), and for a URL its credentials and its path (a
     * Slack URL's secret part).
     */
    static Set<String> forms(String secret) {
        Set<String> base = new LinkedHashSet<>();
        base.add(secret);
        base.add(secret.strip());
        for (String line : secret.split("\\R")) base.add(line.strip());
        String decoded = decode(secret.strip());
        if (decoded != null) base.add(decoded);
        urlParts(secret.strip(), base);
        Set<String> out = new LinkedHashSet<>();
        for (String b : base) {
            if (b.isEmpty()) continue;
            out.add(b);
            out.add(escaped(b));
            out.add(URLEncoder.encode(b, StandardCharsets.UTF_8));
            out.add(URLEncoder.encode(b, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        // a Secret's data as the Kubernetes API sends it, should a client log its answers
        out.add(Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)));
        out.add(Base64.getEncoder().encodeToString(secret.strip().getBytes(StandardCharsets.UTF_8)));
        return out;
    }

    /** JSON's (and Java's) escaping of control characters, quotes and backslashes. */
    static String escaped(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.toString();
    }

    private static String decode(String s) {
        if (s.indexOf('%') < 0) return null;
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static void urlParts(String s, Set<String> out) {
        if (!s.regionMatches(true, 0, "http", 0, 4)) return;
        try {
            URI u = new URI(s);
            if (u.getRawUserInfo() != null) {
                out.add(u.getRawUserInfo());
                int colon = u.getRawUserInfo().indexOf(':');
                if (colon >= 0) out.add(u.getRawUserInfo().substring(colon + 1));
            }
            String path = u.getRawPath();
            if (path != null && path.length() > 1) {
                out.add(path);
                if (u.getRawQuery() != null) out.add(path + "?" + u.getRawQuery());
            }
            if (u.getRawQuery() != null) out.add(u.getRawQuery());
        } catch (java.net.URISyntaxException e) {
            // a broken URL (a space in it, say): what follows the host is still the secret part
            int host = s.indexOf("://");
            int path = host < 0 ? -1 : s.indexOf('/', host + 3);
            if (path > 0 && s.length() - path > 1) out.add(s.substring(path));
        }
    }
}
