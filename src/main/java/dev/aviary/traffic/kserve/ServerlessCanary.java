package dev.aviary.traffic.kserve;

import dev.aviary.traffic.ArmEndpoints;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.Json;
import dev.aviary.traffic.JsonPatch;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.TargetException;
import dev.aviary.traffic.TrafficSplit;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Serverless (Knative) mode: a component's {@code canaryTrafficPercent} is the canary's weight, as KServe defines it
 * (kserve pkg/controller/v1beta1/inferenceservice/reconcilers/knative/ksvc_reconciler.go: with the field set and a
 * rolled-out revision, the latest revision gets the percent and the last rolled-out one, tagged {@code prev}, the
 * rest; without it the latest revision gets 100%). Promote removes the field; rollback sets it to 0, which pins the
 * last rolled-out revision. The canary is {@code status.components.<c>.latestCreatedRevision} while it differs from
 * {@code latestRolledoutRevision} (pkg/apis/serving/v1beta1 inference_service_status.go PropagateStatus).
 *
 * <p>Only {@code spec.<component>.canaryTrafficPercent} is ever written: never an annotation or a label, which KServe
 * copies into the Knative revision template, so each write would mint a new revision.
 */
final class ServerlessCanary implements CanaryMode {

    static final String FIELD = "canaryTrafficPercent";
    /** kserve pkg/constants EnableRoutingTagAnnotationKey. */
    static final String TAG_ROUTING = "serving.kserve.io/enable-tag-routing";

    @Override
    public LiveTraffic read(InferenceService isvc, String component) throws TargetException {
        TrafficSplit split = new TrafficSplit(specWeight(isvc, component), null, 0);
        Revisions r = Revisions.of(isvc, component);
        String identity = r.canary();
        String unsettled = identity == null ? noCanary(r) : unsettled(isvc, r, split.canaryWeight());
        return new LiveTraffic(split, isvc.resourceVersion(), unsettled == null, identity, unsettled);
    }

    @Override
    public JsonPatch patch(InferenceService isvc, String component, TrafficSplit desired) throws TargetException {
        Map<String, Object> spec = componentSpec(isvc, component);
        String pointer = "/spec/" + component;
        JsonPatch patch = new JsonPatch();
        // 100% is a promotion: without the field KServe rolls the latest revision out and records it as rolled out
        if (desired.canaryWeight() == 100) patch.remove(spec, pointer, FIELD);
        else patch.put(spec, pointer, FIELD, desired.canaryWeight());
        return patch;
    }

    @Override
    public ArmLabels arms(InferenceService isvc, String component) throws TargetException {
        Revisions r = Revisions.of(isvc, component);
        if (r.created() == null) {
            throw new TargetException.Invalid("InferenceService " + isvc.key() + " reports no revisions for its " + component + " yet");
        }
        // the revision KServe routes the rest to (tag prev), else the last one rolled out with 100%
        String baseline = r.prev() != null ? r.prev() : r.rolledOut();
        return new ArmLabels(baseline, r.created(), isvc.name() + "-" + component);
    }

    /**
     * With tag routing on (the annotation {@code serving.kserve.io/enable-tag-routing: "true"}), the routes of
     * KServe's {@code prev} and {@code latest} tags; otherwise each revision's own Service. Followed from sources:
     * <ul>
     *   <li>kserve pkg/controller/v1beta1/inferenceservice/reconcilers/knative/ksvc_reconciler.go (aaac4e294): with
     *       canaryTrafficPercent below 100 the last rolled-out revision is tagged {@code prev} always; the latest
     *       revision is tagged {@code latest} only with the annotation (constants EnableRoutingTagAnnotationKey).</li>
     *   <li>knative/serving pkg/reconciler/route/resources/service.go MakeK8sPlaceholderService and
     *       domains.HostnameFromTemplate (98e5ef90a): each tag gets a Service {@code {tag}-{route}} (the default
     *       tag-template) on port 80 in the route's namespace, an ExternalName to Knative's local gateway; the route
     *       is the component's Knative Service, named in status.components.&lt;c&gt;.address.url.</li>
     *   <li>knative/serving pkg/reconciler/serverlessservice/resources/services.go MakePublicService: each revision
     *       has a Service named after it, port 80 to the queue-proxy's 8012 (or through the activator while it is
     *       scaled to zero), so a replay passes the queue-proxy like live traffic. {@code {revision}-private} selects
     *       the pods directly and answers nothing at zero scale: not used.</li>
     * </ul>
     * A {@code latest} tag follows the latest <em>ready</em> revision: until the canary is ready it still names the
     * baseline, and is refused rather than compared with itself.
     */
    @Override
    public ArmEndpoints endpoints(InferenceService isvc, String component, String ns) throws TargetException {
        componentSpec(isvc, component);
        Revisions r = Revisions.of(isvc, component);
        String canary = r.canary();
        if (canary == null) throw new TargetException("InferenceService " + isvc.key() + " has nothing to compare: " + noCanary(r));
        String baseline = r.prev() != null ? r.prev() : r.rolledOut();
        String tags = Json.string(Json.map(Json.map(isvc.object(), "metadata"), "annotations"), TAG_ROUTING);
        Map<String, Object> latest = r.tagged("latest");
        if ("true".equals(tags) && latest != null && r.prev() != null) {
            if (!canary.equals(Json.string(latest, "revisionName"))) {
                throw new TargetException("InferenceService " + isvc.key() + ": the latest tag still routes to "
                        + Json.oneLine(Json.string(latest, "revisionName")) + ", not the canary " + canary
                        + " (Knative tags the latest ready revision): waiting for it to be ready");
            }
            String route = route(isvc, component);
            return new ArmEndpoints(CanaryMode.service("prev-" + route, ns), CanaryMode.service("latest-" + route, ns),
                    "the prev and latest tag routes of " + route + " (tag routing on), port 80");
        }
        return new ArmEndpoints(CanaryMode.service(baseline, ns), CanaryMode.service(canary, ns),
                "the Services of revisions " + baseline + " and " + canary + ", port 80"
                        + ("true".equals(tags) ? " (tag routing is on, but KServe reports no prev and latest tags now)" : ""));
    }

    /** The component's Knative Service (the route tags hang off): named in its cluster-local address. */
    private static String route(InferenceService isvc, String component) {
        String url = Json.string(Json.map(Json.map(Json.map(isvc.status(), "components"), component), "address"), "url");
        String host = null;
        try {
            host = url == null ? null : URI.create(url).getHost();
        } catch (IllegalArgumentException e) {
            // a status Aviary cannot parse: KServe's own naming below
        }
        return host == null ? isvc.name() + "-" + component : host.split("\\.")[0];
    }

    /** The weight the spec asks for: the field, or 100 (all traffic to the latest revision) without it. */
    private static int specWeight(InferenceService isvc, String component) throws TargetException {
        Object value = componentSpec(isvc, component).get(FIELD);
        if (value == null) return 100;
        if (!(value instanceof Number n) || n.doubleValue() != n.longValue() || n.longValue() < 0 || n.longValue() > 100) {
            throw new TargetException.Invalid("InferenceService " + isvc.key() + ": spec." + component + "." + FIELD + " is "
                    + Json.oneLine(value) + "; it must be a whole number within 0-100");
        }
        return n.intValue();
    }

    private static Map<String, Object> componentSpec(InferenceService isvc, String component) throws TargetException {
        Map<String, Object> spec = Json.map(isvc.spec(), component);
        if (spec == null) {
            throw new TargetException.Invalid("InferenceService " + isvc.key() + " has no spec." + component
                    + "; name the component it has in the policy's target.kserve.component");
        }
        return spec;
    }

    private static String noCanary(Revisions r) {
        return r.created() == null ? "KServe reports no revisions yet"
                : "no canary: the latest created revision " + r.created() + " is the rolled-out one (apply a new model with "
                + FIELD + " set to start one)";
    }

    /** Null when KServe serves {@code weight}% on the canary revision and is Ready; else what it reports instead. */
    private static String unsettled(InferenceService isvc, Revisions r, int weight) {
        List<String> still = new ArrayList<>();
        String stale = isvc.staleGeneration();
        if (stale != null) still.add(stale);
        if (r.traffic().isEmpty()) still.add("no traffic in status.components." + r.component() + ".traffic");
        else if (r.served(r.canary()) != weight) {
            still.add("traffic " + r.describeTraffic() + " gives the canary " + r.canary() + " " + r.served(r.canary()) + "%, not " + weight + "%");
        }
        if (!isvc.isTrue("Ready")) still.add(isvc.describeCondition("Ready"));
        return still.isEmpty() ? null : "KServe reports " + String.join("; ", still);
    }

    /** The revisions KServe reports for one component (status.components.<component>). */
    record Revisions(String component, String created, String rolledOut, String prev, List<Map<String, Object>> traffic) {

        static Revisions of(InferenceService isvc, String component) {
            Map<String, Object> status = Json.map(Json.map(isvc.status(), "components"), component);
            List<Map<String, Object>> traffic = new ArrayList<>();
            String prev = null;
            List<Object> entries = Json.list(status, "traffic");
            if (entries != null) {
                for (Object e : entries) {
                    Map<String, Object> t = Json.map(e);
                    if (t == null) continue;
                    traffic.add(t);
                    if ("prev".equals(Json.string(t, "tag"))) prev = Json.string(t, "revisionName");
                }
            }
            return new Revisions(component, blankToNull(Json.string(status, "latestCreatedRevision")),
                    blankToNull(Json.string(status, "latestRolledoutRevision")), prev, traffic);
        }

        /** The canary revision: the latest created one while it is not the rolled-out one; null when none is in flight. */
        String canary() {
            return created == null || rolledOut == null || created.equals(rolledOut) ? null : created;
        }

        /** The percent KServe routes to {@code revision} (entries for one revision add up, as KServe adds them). */
        int served(String revision) {
            long sum = 0;
            for (Map<String, Object> t : traffic) {
                Number p = Json.number(t, "percent");
                if (revision.equals(Json.string(t, "revisionName")) && p != null) sum += p.longValue();
            }
            return (int) sum;
        }

        /** The traffic entry carrying {@code tag}, null when none does. */
        Map<String, Object> tagged(String tag) {
            for (Map<String, Object> t : traffic) if (tag.equals(Json.string(t, "tag"))) return t;
            return null;
        }

        String describeTraffic() {
            List<String> parts = new ArrayList<>();
            for (Map<String, Object> t : traffic) {
                String tag = Json.string(t, "tag");
                parts.add(Json.oneLine(Json.string(t, "revisionName")) + (tag == null ? "" : " (" + Json.oneLine(tag) + ")")
                        + " " + Json.number(t, "percent") + "%");
            }
            return "[" + String.join(", ", parts) + "]";
        }

        private static String blankToNull(String s) {
            return s == null || s.isBlank() ? null : s;
        }
    }
}
