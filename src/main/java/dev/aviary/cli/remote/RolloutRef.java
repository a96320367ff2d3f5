package dev.aviary.cli.remote;

import java.util.regex.Pattern;

/** A CanaryRollout named on the command line: {@code NS/NAME}, or {@code NAME} in the namespace given by -n or the context. */
public record RolloutRef(String namespace, String name) {

    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

    /**
     * @param fallbackNamespace the namespace when {@code text} has none (-n, else the kubeconfig context's); null when
     *                          there is none to fall back on
     */
    public static RolloutRef parse(String text, String fallbackNamespace) {
        int slash = text.indexOf('/');
        String ns = slash < 0 ? fallbackNamespace : text.substring(0, slash);
        String name = slash < 0 ? text : text.substring(slash + 1);
        if (ns == null) throw Failure.usage("'" + text + "' names no namespace: write NAMESPACE/NAME or give -n NAMESPACE");
        if (!NAMESPACE.matcher(ns).matches() || !NAME.matcher(name).matches()) {
            throw Failure.usage("'" + text + "' is not NAMESPACE/NAME of a CanaryRollout (lower-case letters, digits, '-' and '.')");
        }
        return new RolloutRef(ns, name);
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
