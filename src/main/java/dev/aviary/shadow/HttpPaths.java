package dev.aviary.shadow;

import java.net.URI;
import java.nio.charset.StandardCharsets;

/** Protocol paths under an arm's base URL; a model name is one escaped path segment. */
public final class HttpPaths {

    private static final String HEX = "0123456789ABCDEF";

    private HttpPaths() {
    }

    /**
     * {@code base} with {@code path} appended: a base may carry a path prefix (an ingress route such as
     * {@code http://gw/serving/fraud}) and may end in a slash or not.
     *
     * @throws ReplayException.BadPayload when the result is not a URI
     */
    public static URI under(URI base, String path) throws ReplayException.BadPayload {
        String b = base.toString();
        while (b.endsWith("/")) b = b.substring(0, b.length() - 1);
        String p = path.startsWith("/") ? path : "/" + path;
        try {
            return URI.create(b + p);
        } catch (IllegalArgumentException e) {
            throw new ReplayException.BadPayload("cannot build the request URL from " + Answers.cut(b) + " and " + Answers.cut(p));
        }
    }

    /**
     * {@code name} as one path segment: everything but RFC 3986's unreserved characters percent-encoded as UTF-8,
     * so a name holding {@code /}, {@code :} or a space stays one segment and cannot change the verb.
     */
    public static String segment(String name) {
        StringBuilder out = new StringBuilder();
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(HEX.charAt((b >> 4) & 0xf)).append(HEX.charAt(b & 0xf));
            }
        }
        return out.toString();
    }

    /** The model name from the policy, or BadPayload when the protocol needs one and the policy gave none. */
    public static String model(ProtocolSpec spec) throws ReplayException.BadPayload {
        if (spec.model() == null || spec.model().isBlank()) {
            throw new ReplayException.BadPayload(spec.protocol() + " needs the model name: add model: <name> to the replay source");
        }
        return segment(spec.model());
    }
}
