package dev.aviary.checks.shadow;

import dev.aviary.checks.CheckFields;
import dev.aviary.metrics.Measure;
import dev.aviary.policy.OneLine;
import dev.aviary.policy.PolicyNode;
import dev.aviary.policy.Suggestions;
import dev.aviary.shadow.Payloads;
import dev.aviary.shadow.ProtocolSpec;
import dev.aviary.shadow.Protocols;
import dev.aviary.shadow.compare.Comparators;
import dev.aviary.shadow.ReplayMeasure;
import dev.aviary.shadow.ReplaySpec;
import dev.aviary.traffic.ArmEndpoints;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where a shadow check's pairs of answers come from, as its {@code source:} says: Aviary's own replay of stored
 * requests to both arms, or counts an outside comparator exports to Prometheus. Exactly one of the two is set.
 *
 * <pre>
 * source:
 *   replay:
 *     payloads: fraud-transactions.jsonl           # a .json/.jsonl file or a directory, relative to the policy file;
 *                                                  # or configmap/&lt;name&gt; in the policy's namespace
 *     protocol: v2              # tfserving | kserve-v1 | v2 | json
 *     model: fraud-classifier   # tfserving, kserve-v1, v2
 *     path: /classify           # json only (required)
 *     prediction: /prediction   # JSON Pointer to the prediction: json (required), tfserving, kserve-v1
 *     output: predict_proba     # v2 only: the output tensor (default: the first)
 *     labels: [legit, fraud]    # class labels of bare probability vectors, in index order
 *     endpoints: {baseline: http://..., canary: http://...}  # default: derived from the target
 *     rate: 5                   # replays per second, at most 100 (default 2)
 *     concurrency: 4            # replays in flight per arm, at most 64 (default 4)
 *     timeout: 5s               # per request, at most 60s (default 5s)
 *     compare: top1             # or {method: topk, k: 5, minOverlap: 60%}, {method: max-prob-delta, tolerance: 0.1},
 *                               # {method: js, tolerance: 0.1}, {method: numeric, tolerance: 0.05}
 *   prometheus:                 # instead of replay
 *     agreeQuery: sum(increase(shadow_pairs_agreed_total[{{window}}]))
 *     totalQuery: sum(increase(shadow_pairs_total[{{window}}]))
 * </pre>
 *
 * A payloads file is read while the policy is validated, so a payload that is not JSON keeps the policy from
 * loading, with its file and line. The stored path is resolved against the policy file's directory.
 *
 * @param replay     the replay, or null for a prometheus source
 * @param agreeQuery prometheus: the number of agreeing pairs over {{window}}
 * @param totalQuery prometheus: the number of compared pairs over {{window}}
 */
public record SourceSpec(ReplaySpec replay, String agreeQuery, String totalQuery) {

    /** The protocols a replay can speak: the one list is shadow.Protocols. */
    public static final List<String> PROTOCOLS = Protocols.names();
    /** How a pair of answers may be compared (see {@code shadow.CompareSpec}). */
    public static final List<String> COMPARE_METHODS = Comparators.NAMES;
    /** Replays per second at most: each is one request to each arm, on top of production traffic. */
    public static final double MAX_RATE = 100;
    public static final int MAX_CONCURRENCY = 64;
    public static final Duration MAX_TIMEOUT = Duration.ofSeconds(60);
    public static final int MAX_K = 1000;

    static final List<String> SOURCE_FIELDS = List.of("replay", "prometheus");
    static final List<String> REPLAY_FIELDS = List.of("payloads", "protocol", "model", "path", "prediction", "output",
            "labels", "endpoints", "rate", "concurrency", "timeout", "compare");
    static final List<String> PROMETHEUS_FIELDS = List.of("agreeQuery", "totalQuery");
    static final List<String> ENDPOINTS_FIELDS = List.of("baseline", "canary");
    static final List<String> COMPARE_FIELDS = List.of("method", "k", "minOverlap", "tolerance");
    private static final String CONFIGMAP = "configmap/";
    private static final Pattern CONFIGMAP_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final Pattern JSON_POINTER = Pattern.compile("(/([^~/]|~[01])*)*");

    /** What the check asks its source for: pairs (agreement), or with {@code predictions} what each arm predicted. */
    public Measure measure(String check, boolean predictions) {
        return replay != null ? new ReplayMeasure(check, replay, predictions) : new Measure.AgreementCounts(agreeQuery, totalQuery, check);
    }

    /** Replay to arms the router must keep a way to (no explicit endpoints). */
    public boolean derivesEndpoints() {
        return replay != null && replay.endpoints() == null;
    }

    /**
     * Reads {@code check.source}, reporting every problem on the way; null when it has any.
     *
     * @param type         the check's type, for messages
     * @param replayOnly   the check needs the answers themselves (prometheus counts cannot carry them)
     */
    public static SourceSpec read(PolicyNode check, String type, boolean replayOnly) {
        if (!check.has("source")) {
            check.problemMissing("source", "a " + type + " check needs source: replay (Aviary sends stored requests to "
                    + "both arms" + (replayOnly ? ")" : ") or prometheus (agreeQuery and totalQuery)"));
            return null;
        }
        PolicyNode source = check.child("source");
        if (source == null) return null;
        int before = source.problemCount();
        source.checkKnown(SOURCE_FIELDS);
        boolean replay = source.has("replay"), prometheus = source.has("prometheus");
        if (replay == prometheus) {
            source.problemHere(replay ? "source takes replay or prometheus, not both" : "source needs replay: {...}"
                    + (replayOnly ? "" : " or prometheus: {agreeQuery: ..., totalQuery: ...}"));
            return null;
        }
        if (prometheus && replayOnly) {
            source.problemAtKey("prometheus", "a " + type + " check compares what each arm predicted, which counts in "
                    + "Prometheus do not carry; use source.replay");
            return null;
        }
        SourceSpec spec = replay ? replay(source.child("replay"), check.file())
                : prometheus(source.child("prometheus"));
        return source.problemCount() > before ? null : spec;
    }

    private static SourceSpec prometheus(PolicyNode p) {
        if (p == null) return null;
        p.checkKnown(PROMETHEUS_FIELDS);
        String agree = p.text("agreeQuery", true);
        String total = p.text("totalQuery", true);
        CheckFields.placeholders(p, "agreeQuery", agree, List.of("window"));
        CheckFields.placeholders(p, "totalQuery", total, List.of("window"));
        return new SourceSpec(null, agree, total);
    }

    private static SourceSpec replay(PolicyNode r, Path policyFile) {
        if (r == null) return null;
        r.checkKnown(REPLAY_FIELDS);
        String payloads = payloads(r, policyFile);
        ProtocolSpec protocol = protocol(r);
        ArmEndpoints endpoints = endpoints(r);
        Double rate = r.number("rate", ReplaySpec.DEFAULT_RATE);
        if (rate != null && !(rate > 0 && rate <= MAX_RATE)) {
            r.problemAt("rate", "rate " + r.raw("rate") + " is outside (0, " + (int) MAX_RATE + "] replays per second; "
                    + "each replay is one request to each arm, on top of production traffic");
        }
        Long concurrency = r.integer("concurrency", (long) ReplaySpec.DEFAULT_CONCURRENCY);
        if (concurrency != null && !(concurrency >= 1 && concurrency <= MAX_CONCURRENCY)) {
            r.problemAt("concurrency", "concurrency " + r.raw("concurrency") + " is outside 1.." + MAX_CONCURRENCY
                    + " replays in flight per arm");
        }
        Duration timeout = r.duration("timeout", ReplaySpec.DEFAULT_TIMEOUT, false);
        if (timeout != null && timeout.compareTo(MAX_TIMEOUT) > 0) {
            r.problemAt("timeout", "timeout " + r.raw("timeout") + " is above " + MAX_TIMEOUT.toSeconds()
                    + "s; a model that slow is better counted as failing");
        }
        var compare = CompareReader.read(r);
        if (payloads == null || protocol == null || rate == null || concurrency == null || timeout == null || compare == null) return null;
        return new SourceSpec(new ReplaySpec(payloads, protocol, endpoints, rate, concurrency.intValue(), timeout, compare), null, null);
    }

    /** configmap/&lt;name&gt; as written, or the file or directory resolved against the policy's, loaded once here. */
    private static String payloads(PolicyNode r, Path policyFile) {
        String written = r.text("payloads", true);
        if (written == null) return null;
        if (written.startsWith(CONFIGMAP)) {
            String name = written.substring(CONFIGMAP.length());
            if (!CONFIGMAP_NAME.matcher(name).matches()) {
                r.problemAt("payloads", "payloads " + OneLine.quote(written) + " does not name a ConfigMap: write "
                        + "configmap/<name> with a lower-case DNS name, e.g. configmap/fraud-payloads");
                return null;
            }
            return written;
        }
        Path dir = policyFile == null ? null : policyFile.toAbsolutePath().getParent();
        Path path;
        try {
            path = dir == null ? Path.of(written) : dir.resolve(written).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            r.problemAt("payloads", "payloads " + OneLine.quote(written) + " is not a file path");
            return null;
        }
        try {
            Payloads.load(path);
        } catch (Payloads.PayloadException e) {
            r.problemAt("payloads", "payloads: " + e.getMessage());
            return null;
        }
        return path.toString();
    }

    private static ProtocolSpec protocol(PolicyNode r) {
        String protocol = r.text("protocol", true);
        if (protocol != null && !PROTOCOLS.contains(protocol)) {
            r.problemAt("protocol", "unknown protocol " + OneLine.quote(protocol) + Suggestions.didYouMean(protocol, PROTOCOLS)
                    + "; known protocols: " + String.join(", ", PROTOCOLS));
            protocol = null;
        }
        String model = r.text("model", false), path = r.text("path", false);
        String prediction = r.text("prediction", false), output = r.text("output", false);
        List<String> labels = labels(r);
        if (protocol == null) return null;
        boolean json = protocol.equals("json"), v2 = protocol.equals("v2");
        if (json) {
            if (!r.has("path")) r.problemMissing("path", "protocol json needs path: where the server answers, e.g. /classify");
            if (!r.has("prediction")) {
                r.problemMissing("prediction", "protocol json needs prediction: a JSON Pointer to the prediction in the "
                        + "answer, e.g. /prediction");
            }
            if (r.has("model")) r.problemAtKey("model", "model does not apply to protocol json; path says where to send");
        } else {
            if (!r.has("model")) {
                r.problemMissing("model", "protocol " + protocol + " needs model: the model's name in " + (v2
                        ? "/v2/models/{model}/infer" : "/v1/models/{model}:predict"));
            }
            if (r.has("path")) r.problemAtKey("path", "path applies to protocol json only; " + protocol + " has its own paths");
        }
        if (v2 && r.has("prediction")) {
            r.problemAtKey("prediction", "prediction does not apply to protocol v2; name the output tensor with output");
        }
        if (!v2 && r.has("output")) r.problemAtKey("output", "output applies to protocol v2 only (the output tensor's name)");
        if (path != null && !path.startsWith("/")) {
            r.problemAt("path", "path " + OneLine.quote(path) + " must start with /, e.g. /classify");
        }
        if (prediction != null && !JSON_POINTER.matcher(prediction).matches()) {
            r.problemAt("prediction", "prediction " + OneLine.quote(prediction) + " is not a JSON Pointer: it starts with "
                    + "/ and writes ~ as ~0 and / inside a name as ~1, e.g. /prediction or /outputs/0/data");
        }
        return new ProtocolSpec(protocol, json ? null : model, json ? path : null, v2 ? null : prediction, v2 ? output : null, labels);
    }

    private static List<String> labels(PolicyNode r) {
        List<String> labels = r.texts("labels");
        if (labels == null) return List.of();
        if (labels.isEmpty()) r.problemAt("labels", "labels is empty; list the class labels in index order or remove it");
        if (labels.stream().distinct().count() < labels.size()) {
            r.problemAt("labels", "labels repeats a label; each index must have its own");
        }
        return labels;
    }

    private static ArmEndpoints endpoints(PolicyNode r) {
        if (!r.has("endpoints")) return null;
        PolicyNode e = r.child("endpoints");
        if (e == null) return null;
        e.checkKnown(ENDPOINTS_FIELDS);
        URI baseline = url(e, "baseline"), canary = url(e, "canary");
        if (baseline == null || canary == null) return null;
        if (baseline.equals(canary)) e.problemAt("canary", "canary is the baseline's URL; the arms must be reached separately");
        return new ArmEndpoints(new ArmEndpoints.Endpoint(baseline), new ArmEndpoints.Endpoint(canary), "the policy's endpoints");
    }

    private static URI url(PolicyNode e, String arm) {
        String text = e.text(arm, true);
        if (text == null) return null;
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException x) {
            e.problemAt(arm, arm + " is not a URL: " + x.getReason() + "; write e.g. http://fraud-" + arm + ".default:8080");
            return null;
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            e.problemAt(arm, arm + " must be an http(s) URL with a host, e.g. http://fraud-" + arm + ".default:8080");
            return null;
        }
        if (uri.getRawUserInfo() != null) {
            e.problemAt(arm, arm + " carries credentials (user@ or user:password@); Aviary keeps no secrets in a policy, "
                    + "remove them");
            return null;
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            e.problemAt(arm, arm + " must be a base URL without ?query or #fragment; the protocol adds its own path");
            return null;
        }
        return uri;
    }
}
