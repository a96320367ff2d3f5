package dev.aviary.shadow;

import java.net.URI;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * URLs as Aviary may print them: without userinfo (a password in {@code http://user:pw@host}) and without the query
 * string (an API key in {@code ?key=...}), which is where secrets ride in a URL.
 */
public final class Urls {

    private static final Pattern URL_IN_TEXT = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://[^\\s\"'<>()]+");

    private Urls() {
    }

    /** scheme://host:port/path of {@code uri}. */
    public static String printable(URI uri) {
        if (uri == null) return "(none)";
        if (uri.getHost() == null) return uri.getScheme() == null ? "(a relative URL)" : uri.getScheme() + "://(no host)";
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    /** {@code text} with every URL in it made printable (e.g. an exception message that quotes the request URL). */
    public static String redact(String text) {
        if (text == null) return null;
        Matcher m = URL_IN_TEXT.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String printable;
            try {
                printable = printable(URI.create(m.group()));
            } catch (IllegalArgumentException e) {
                printable = m.group().replaceAll("//[^/@]*@", "//").replaceAll("[?#].*", "");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(printable));
        }
        m.appendTail(out);
        return out.toString();
    }
}
