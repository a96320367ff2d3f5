package dev.aviary.policy;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The naming rules of the objects a policy points at, so a name Kubernetes, Istio or KServe would refuse is
 * reported when the policy is read rather than when a rollout first touches the object. Each check returns the
 * problem, or empty when the name is fine. Lengths are checked before patterns: a pattern over a hostile
 * 200 KB value is wasted work.
 */
enum Names {

    /** metadata.name, virtualService, secretRef: a Kubernetes object name (DNS-1123 subdomain). */
    OBJECT(253, Patterns.DNS_SUBDOMAIN, "is not a valid Kubernetes name (lower-case letters, digits, '-' and '.', "
            + "starting and ending with a letter or digit, at most 253)"),
    /** metadata.namespace: a DNS-1123 label. */
    NAMESPACE(63, Patterns.DNS_LABEL, "is not a valid Kubernetes namespace (lower-case letters, digits and '-', "
            + "starting and ending with a letter or digit, at most 63)"),
    /** A DestinationRule subset: Istio requires a DNS-1123 label (so no dots: v1.0 is refused). */
    SUBSET(63, Patterns.DNS_LABEL, "is not a name Istio accepts for a DestinationRule subset (lower-case letters, "
            + "digits and '-', no dots, at most 63)"),
    /** An InferenceService: KServe requires a DNS-1035 label. */
    INFERENCE_SERVICE(63, Patterns.DNS_1035_LABEL, "is not a name KServe accepts (lower-case letters, digits and '-', "
            + "starting with a letter, at most 63)"),
    /** A destination host: a DNS name such as model or model.ns.svc.cluster.local. */
    HOST(253, Patterns.DNS_SUBDOMAIN, "is not a DNS name like model or model.ns.svc.cluster.local (lower-case "
            + "letters, digits, '-' and '.')"),
    /** An arm's version: the value of a pod label, which the metrics carry as destination_version. */
    LABEL_VALUE(63, Patterns.LABEL_VALUE, "is not a valid Kubernetes label value (letters, digits, '-', '_' and '.', "
            + "starting and ending with a letter or digit, at most 63)"),
    /** An http route's name: Istio sets no rule, but Aviary finds the route by it and says it in messages. */
    ROUTE(253, Patterns.LABEL_VALUE, "is not a route name Aviary can match (letters, digits, '-', '_' and '.', "
            + "starting and ending with a letter or digit)"),
    /** A check's name: it names the check in Events, metrics and the API. */
    CHECK(63, Patterns.LABEL_VALUE, "is not a valid check name (letters, digits, '-', '_' and '.', starting and "
            + "ending with a letter or digit, at most 63: it names the check in events and metrics), e.g. p99-latency");

    private final int maxLength;
    private final Pattern pattern;
    private final String rule;

    Names(int maxLength, Pattern pattern, String rule) {
        this.maxLength = maxLength;
        this.pattern = pattern;
        this.rule = rule;
    }

    /** The rule's pattern, which the JSON Schema repeats (SchemaAgreementTest). */
    String regex() {
        return pattern.pattern();
    }

    int maxLength() {
        return maxLength;
    }

    /** Empty when {@code value} follows the rule; else "what "value" is not ...". */
    Optional<String> check(String what, String value) {
        if (value.length() <= maxLength && pattern.matcher(value).matches()) return Optional.empty();
        return Optional.of(what + " " + OneLine.quote(value) + " " + rule);
    }

    /** A header to match on, as Istio reads it. */
    static Optional<String> header(String value) {
        String lower = value.toLowerCase(Locale.ROOT);
        if (value.length() > Patterns.MAX_HEADER) {
            return Optional.of("header name " + OneLine.quote(value) + " is longer than " + Patterns.MAX_HEADER
                    + " characters");
        }
        if (!value.equals(lower) && Patterns.HEADER_TOKEN.matcher(lower).matches()) {
            return Optional.of("header names must be lower-case (Istio matches headers by their lower-case name); "
                    + "write " + lower);
        }
        if (!Patterns.HEADER_TOKEN.matcher(value).matches()) {
            return Optional.of(OneLine.quote(value) + " is not a valid HTTP header name (letters, digits and "
                    + "!#$%&'*+.^_`|~- only, no spaces or ':')");
        }
        if (Patterns.IGNORED_HEADERS.contains(value)) {
            return Optional.of("Istio ignores a header match on '" + value + "' (it is matched as a "
                    + "request field, not a header); use another header");
        }
        return Optional.empty();
    }

    /** Enum constants cannot refer to static fields of their own enum while being built. */
    static final class Patterns {
        static final int MAX_HEADER = 256;
        static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
        static final Pattern DNS_SUBDOMAIN =
                Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
        /** KServe's own rule for InferenceService names. */
        static final Pattern DNS_1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
        static final Pattern LABEL_VALUE = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
        /** RFC 9110 token characters, lower-case only (Istio matches headers by their lower-case name). */
        static final Pattern HEADER_TOKEN = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+");
        /** Keys Istio's HTTPMatchRequest.headers ignores: they are matched as uri/scheme/method/authority. */
        static final Set<String> IGNORED_HEADERS = Set.of("uri", "scheme", "method", "authority");
    }
}
