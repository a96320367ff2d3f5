package dev.aviary.sim.kserve;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * KServe's controller for one Serverless-mode InferenceService's predictor, followed from kserve/kserve at
 * aaac4e294dae (2026-08-21):
 * <ul>
 * <li>the Knative Service {@code {isvc}-predictor} ({@code constants.PredictorServiceName}) whose revision template
 * is the predictor spec with the InferenceService's labels and annotations (components/predictor.go
 * {@code buildObjectMeta}; KServe copies them into the revision template, so a new annotation mints a revision);</li>
 * <li>its route (reconcilers/knative/ksvc_reconciler.go {@code createKnativeService}): with
 * {@code canaryTrafficPercent} set and a {@code latestRolledoutRevision} known, {latestRevision: true, percent: P,
 * tag: "latest" only with the annotation serving.kserve.io/enable-tag-routing} then, when P &lt; 100,
 * {revisionName: latestRolledoutRevision, latestRevision: false, percent: 100-P, tag: "prev"}; otherwise one
 * latestRevision entry at 100 ("blue-green");</li>
 * <li>the status (pkg/apis/serving/v1beta1/inference_service_status.go {@code PropagateStatus}): latestCreated and
 * latestReady copied from Knative; latestRolledoutRevision moves (and the old one becomes
 * previousRolledoutRevision) when the latest ready revision holds 100% through a latestRevision entry; when the
 * rolled-out revision is split over itself below 100% it falls back to previousRolledoutRevision; traffic[] is
 * Knative's route status as is; PredictorReady / PredictorRouteReady / PredictorConfigurationReady from the
 * Knative Service's Ready / RoutesReady / ConfigurationsReady, RoutesReady and LatestDeploymentReady across
 * components (controller.go), Ready = PredictorReady and IngressReady (the living condition set).</li>
 * </ul>
 * {@code canaryTrafficPercent: 0} therefore pins the last rolled-out revision at 100%, and removing the field sends
 * 100% to the latest revision, which becomes the rolled-out one.
 */
final class ServerlessReconciler {

    static final String TAG_ROUTING = "serving.kserve.io/enable-tag-routing";
    /** KServe drops this one from what it copies into the revision template (ServiceAnnotationDisallowedList). */
    private static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

    private final String name;
    private final String namespace;
    private final String domain;
    private final KnativeService knative;

    ServerlessReconciler(String name, String namespace, String domain, Duration settle) {
        this.name = name;
        this.namespace = namespace;
        this.domain = domain;
        this.knative = new KnativeService(name + "-predictor", namespace, domain, settle);
    }

    KnativeService knative() {
        return knative;
    }

    /** The revision template of an InferenceService: what, changed, makes Knative mint a revision. */
    static Object template(Map<String, Object> isvc) {
        Map<String, Object> predictor = new LinkedHashMap<>(Json.map(Json.map(isvc.get("spec")).get("predictor")));
        predictor.remove("canaryTrafficPercent"); // goes to the route, not the template
        Map<String, Object> metadata = Json.map(isvc.get("metadata"));
        Map<String, Object> annotations = new LinkedHashMap<>(Json.map(metadata.get("annotations")));
        annotations.remove(LAST_APPLIED);
        return List.of(predictor, Json.map(metadata.get("labels")), annotations);
    }

    /** What model a predictor serves: its first container's image, else a storageUri. */
    static String model(Map<String, Object> isvc) {
        return predictorModel(Json.map(Json.map(isvc.get("spec")).get("predictor")));
    }

    /** What model a predictor spec serves; "unknown" when it names none. */
    static String predictorModel(Map<String, Object> predictor) {
        String model = predictorModelOrNull(predictor);
        return model == null ? "unknown" : model;
    }

    /** What model a predictor spec names, null when none (a Standard-mode canary then serves the stable's). */
    static String predictorModelOrNull(Map<String, Object> predictor) {
        for (Object c : Json.list(predictor.get("containers"))) {
            if (Json.map(c).get("image") instanceof String image) return image;
        }
        for (Object v : predictor.values()) {
            if (Json.map(v).get("storageUri") instanceof String uri) return uri;
        }
        return null;
    }

    /** Reconcile once; the status KServe would write now. */
    Map<String, Object> reconcile(Map<String, Object> isvc, Instant now) {
        Map<String, Object> old = Json.map(isvc.get("status"));
        Map<String, Object> component = Json.map(Json.map(old.get("components")).get("predictor"));
        String rolledOut = (String) component.get("latestRolledoutRevision");
        String previous = (String) component.get("previousRolledoutRevision");

        KnativeService.Status ks = knative.reconcile(template(isvc), model(isvc), desiredTraffic(isvc, rolledOut), now);

        // PropagateStatus
        for (TrafficTarget t : ks.traffic()) {
            if (!Objects.equals(t.revisionName(), ks.latestReadyRevision()) || !t.latestRevision()) continue;
            if (!Objects.equals(rolledOut, ks.latestReadyRevision())) {
                if (t.percent() == 100) {
                    previous = rolledOut;
                    rolledOut = ks.latestReadyRevision();
                }
            } else if (Objects.equals(ks.latestReadyRevision(), ks.latestCreatedRevision()) && t.percent() < 100
                    && sum(ks.traffic(), t.revisionName()) == 100 && previous != null) {
                rolledOut = previous; // rolled out, then split over itself: KServe rolls back to the previous one
            }
        }
        Map<String, Object> predictor = new LinkedHashMap<>();
        predictor.put("latestCreatedRevision", ks.latestCreatedRevision());
        if (ks.latestReadyRevision() != null) predictor.put("latestReadyRevision", ks.latestReadyRevision());
        if (previous != null) predictor.put("previousRolledoutRevision", previous);
        if (rolledOut != null) predictor.put("latestRolledoutRevision", rolledOut);
        predictor.put("traffic", ks.traffic().stream().map(TrafficTarget::toJson).toList());
        if (ks.ready()) {
            predictor.put("url", "http://" + knative.name() + "." + namespace + "." + domain);
            predictor.put("address", Map.of("url", "http://" + knative.name() + "." + namespace + ".svc.cluster.local"));
        } else {
            for (String kept : List.of("url", "address")) if (component.containsKey(kept)) predictor.put(kept, component.get(kept));
        }

        Conditions conditions = new Conditions(Json.list(old.get("conditions")), now);
        conditions.set("PredictorConfigurationReady", ks.configurationsReady(), "RevisionMissing");
        conditions.set("PredictorRouteReady", ks.routesReady(), "TrafficNotMigrated");
        conditions.set("PredictorReady", ks.ready(), ks.configurationsReady() ? "TrafficNotMigrated" : "RevisionMissing");
        conditions.set("LatestDeploymentReady", ks.configurationsReady(), "PredictorConfigurationReady not ready");
        conditions.set("RoutesReady", ks.routesReady(), "PredictorRouteReady not ready");
        // the ingress (the InferenceService's own VirtualService) exists once the predictor has a route
        boolean ingress = conditions.isTrue("IngressReady") || !ks.traffic().isEmpty();
        conditions.set("IngressReady", ingress, "PredictorRouteReady not ready");
        conditions.set("Ready", ks.ready() && ingress, ks.ready() ? "IngressNotConfigured" : "PredictorReady not ready");

        Map<String, Object> status = new LinkedHashMap<>();
        if (Json.map(isvc.get("metadata")).get("generation") instanceof Number g) status.put("observedGeneration", g.longValue());
        status.put("url", "http://" + name + "." + namespace + "." + domain);
        status.put("address", Map.of("url", "http://" + name + "." + namespace + ".svc.cluster.local"));
        status.put("components", Map.of("predictor", predictor));
        status.put("conditions", conditions.toJson());
        status.put("deploymentMode", "Serverless");
        status.put("modelStatus", Map.of("transitionStatus", ks.ready() ? "UpToDate" : "InProgress",
                "states", Map.of("activeModelState", "Loaded", "targetModelState", ks.configurationsReady() ? "Loaded" : "Pending")));
        return status;
    }

    /** ksvc_reconciler.go: the Knative Service's spec.traffic KServe writes. */
    static List<TrafficTarget> desiredTraffic(Map<String, Object> isvc, String rolledOut) {
        Object percent = Json.map(Json.map(isvc.get("spec")).get("predictor")).get("canaryTrafficPercent");
        String latestTag = "true".equals(Json.map(Json.map(isvc.get("metadata")).get("annotations")).get(TAG_ROUTING)) ? "latest" : null;
        List<TrafficTarget> out = new ArrayList<>();
        if (percent instanceof Number p && rolledOut != null) {
            out.add(new TrafficTarget(null, true, p.longValue(), latestTag, null));
            if (p.longValue() < 100) out.add(new TrafficTarget(rolledOut, false, 100 - p.longValue(), "prev", null));
        } else {
            out.add(new TrafficTarget(null, true, 100, latestTag, null));
        }
        return out;
    }

    private static long sum(List<TrafficTarget> traffic, String revision) {
        return traffic.stream().filter(t -> revision.equals(t.revisionName())).mapToLong(TrafficTarget::percent).sum();
    }
}
