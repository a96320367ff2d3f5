package dev.aviary.sim.kserve;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * KServe's controller for one Standard-mode (RawDeployment) InferenceService's predictor and its
 * {@code spec.canary[]}, KServe &ge; 0.20, followed from kserve/kserve at aaac4e294dae (2026-08-21):
 * <ul>
 * <li>one Deployment and Service per arm, named by pkg/constants {@code PredictorServiceName}: {@code {isvc}-predictor}
 * for a stable predictor without a name, {@code {isvc}-{name}-predictor} for a named one and for each canary;</li>
 * <li>the canary's predictor is the stable one overridden by {@code canary.predictor} (components/predictor.go
 * {@code buildCanaryPredictor}, mergo WithOverride): a canary that names no image serves the stable's model;</li>
 * <li>{@code reconcileCanaryDeployments}: {@code status.canaryStatuses[]} = {name, ready: the canary Deployment has
 * an available replica, trafficPercent: the spec's}, condition {@code CanaryPredictorReady} True (AllCanariesReady)
 * or False (CanariesNotReady), cleared when spec.canary is empty;</li>
 * <li>reconcilers/ingress/httproute_reconciler.go {@code applyCanaryWeights}: the stable backend gets 100 minus the
 * sum of the READY canaries' percents; a canary gets its percent only once ready (a not-ready one gets no backend);
 * the route keeps its {@code {isvc}-predictor} name across promotions, backends name the actual services;</li>
 * <li>promotion (test/e2e/predictor/test_canary_raw_deployment.py): spec.predictor becomes the canary's predictor,
 * name included, and spec.canary is emptied, so the canary's Deployment, already running, becomes the stable one
 * without a restart; rollback empties spec.canary and the stable predictor serves alone.</li>
 * </ul>
 * A Deployment whose model changes rolls: its old pods keep serving the old model until the new one is available,
 * {@code settle} later, as a Deployment's rolling update does.
 *
 * <p>Mutable per InferenceService, owned by one simulator thread.
 */
final class StandardReconciler {

    static final String MODE = "Standard";
    static final String CANARY_CONDITION = "CanaryPredictorReady";
    /** pkg/constants DeploymentMode. */
    static final String MODE_ANNOTATION = "serving.kserve.io/deploymentMode";

    /** A predictor Deployment: the model its available pods serve, and the one rolling in (null when none). */
    record Deployment(String serving, String rolling, Instant availableAt) {
        boolean available() {
            return serving != null;
        }
    }

    private final String name;
    private final String namespace;
    private final Duration settle;
    private final Map<String, Deployment> deployments = new HashMap<>();
    /** The HTTPRoute's backends as last reconciled: predictor service → weight. */
    private Map<String, Long> route = Map.of();

    StandardReconciler(String name, String namespace, Duration settle) {
        this.name = name;
        this.namespace = namespace;
        this.settle = settle;
    }

    /**
     * Standard or not, from the object as the router's InferenceService.mode() tells it: status.deploymentMode, else
     * the annotation (pkg/constants ParseDeploymentMode: "Standard", or the deprecated "RawDeployment"), else a
     * spec.canary list, which only Standard mode has.
     */
    static boolean standard(Map<String, Object> isvc) {
        Object mode = Json.map(isvc.get("status")).get("deploymentMode");
        if (mode == null) mode = Json.map(Json.map(isvc.get("metadata")).get("annotations")).get(MODE_ANNOTATION);
        if (mode instanceof String m) return m.equalsIgnoreCase(MODE) || m.equalsIgnoreCase("RawDeployment");
        return Json.map(isvc.get("spec")).get("canary") instanceof List<?>;
    }

    /** The model under rollout: the first canary's (merged over the stable predictor), else the stable predictor's. */
    static String canaryModel(Map<String, Object> isvc) {
        Map<String, Object> stable = Json.map(Json.map(isvc.get("spec")).get("predictor"));
        List<?> canaries = Json.list(Json.map(isvc.get("spec")).get("canary"));
        String stableModel = ServerlessReconciler.predictorModel(stable);
        if (canaries.isEmpty()) return stableModel;
        String own = ServerlessReconciler.predictorModelOrNull(Json.map(Json.map(canaries.get(0)).get("predictor")));
        return own != null ? own : stableModel;
    }

    /** kserve pkg/constants PredictorServiceName. */
    static String predictorService(String isvc, Object predictorName) {
        return predictorName instanceof String n && !n.isEmpty() ? isvc + "-" + n + "-predictor" : isvc + "-predictor";
    }

    /** A Deployment that already ran before the simulation started: available at once. */
    void seed(String service, String model) {
        deployments.put(service, new Deployment(model, null, null));
    }

    /** The model a predictor service's pods serve now; null when none is available. */
    String serving(String service) {
        Deployment d = deployments.get(service);
        return d == null ? null : d.serving();
    }

    /** The split the HTTPRoute carries: predictor service → percent, backends at 0 left out. */
    Map<String, Long> split() {
        Map<String, Long> out = new HashMap<>();
        route.forEach((s, w) -> {
            if (w > 0) out.put(s, w);
        });
        return out;
    }

    /** Reconcile once; the status KServe would write now. */
    Map<String, Object> reconcile(Map<String, Object> isvc, Instant now) {
        Map<String, Object> spec = Json.map(isvc.get("spec"));
        Map<String, Object> stablePredictor = Json.map(spec.get("predictor"));
        String stable = predictorService(name, stablePredictor.get("name"));
        Deployment stableDeployment = deploy(stable, ServerlessReconciler.predictorModel(stablePredictor), now);

        // reconcileCanaryDeployments
        List<Map<String, Object>> canaryStatuses = new ArrayList<>();
        Map<String, Long> route = new LinkedHashMap<>();
        long readyPercent = 0;
        boolean allReady = true;
        List<?> canaries = Json.list(spec.get("canary"));
        for (Object c : canaries) {
            Map<String, Object> canary = Json.map(c);
            Map<String, Object> predictor = Json.map(canary.get("predictor"));
            String own = ServerlessReconciler.predictorModelOrNull(predictor);
            String service = predictorService(name, predictor.get("name"));
            boolean ready = deploy(service, own != null ? own : ServerlessReconciler.predictorModel(stablePredictor), now).available();
            long percent = canary.get("trafficPercent") instanceof Number n ? n.longValue() : 0;
            allReady &= ready;
            Map<String, Object> cs = new LinkedHashMap<>();
            cs.put("name", predictor.get("name"));
            cs.put("ready", ready);
            cs.put("trafficPercent", (int) percent);
            canaryStatuses.add(cs);
            // applyCanaryWeights: only ready canaries get a backend and count against the stable's share
            if (ready) {
                readyPercent += percent;
                route.merge(service, percent, Long::sum);
            }
        }
        Map<String, Long> backends = new LinkedHashMap<>();
        backends.put(stable, 100 - readyPercent);
        backends.putAll(route);
        this.route = backends;
        // the Deployments no spec names any more are cleaned up (reconcileCanaryDeployments' orphan cleanup)
        deployments.keySet().removeIf(s -> !backends.containsKey(s) && !isCanary(canaries, s));

        Map<String, Object> old = Json.map(isvc.get("status"));
        Conditions conditions = new Conditions(Json.list(old.get("conditions")), now);
        if (canaries.isEmpty()) conditions.clear(CANARY_CONDITION);
        else conditions.set(CANARY_CONDITION, allReady ? "True" : "False", allReady ? "AllCanariesReady" : "CanariesNotReady");
        boolean predictorReady = stableDeployment.available();
        conditions.set("PredictorReady", predictorReady ? "True" : "False", predictorReady ? null : "MinimumReplicasUnavailable");
        // httproute_reconciler.go: the ingress waits for the predictor
        conditions.set("IngressReady", predictorReady ? "True" : "False", predictorReady ? null : "PredictorNotReady");
        conditions.set("Ready", predictorReady ? "True" : "False", predictorReady ? null : "PredictorNotReady");

        Map<String, Object> predictor = new LinkedHashMap<>();
        if (predictorReady) {
            predictor.put("url", "http://" + stable + "." + namespace + ".svc.cluster.local");
            predictor.put("address", Map.of("url", "http://" + stable + "." + namespace + ".svc.cluster.local"));
        }
        Map<String, Object> status = new LinkedHashMap<>();
        if (Json.map(isvc.get("metadata")).get("generation") instanceof Number g) status.put("observedGeneration", g.longValue());
        status.put("url", "http://" + name + "-" + namespace + ".example.com");
        status.put("address", Map.of("url", "http://" + name + "-predictor." + namespace + ".svc.cluster.local"));
        status.put("components", Map.of("predictor", predictor));
        if (!canaryStatuses.isEmpty()) status.put("canaryStatuses", canaryStatuses);
        status.put("conditions", conditions.toJson());
        status.put("deploymentMode", MODE);
        status.put("modelStatus", Map.of("transitionStatus", predictorReady ? "UpToDate" : "InProgress",
                "states", Map.of("activeModelState", predictorReady ? "Loaded" : "Pending", "targetModelState", "Loaded")));
        return status;
    }

    /** The Deployment of {@code service} asked to serve {@code model}: created, or rolled, or left as it is. */
    private Deployment deploy(String service, String model, Instant now) {
        Deployment d = deployments.get(service);
        if (d == null) d = new Deployment(null, model, now.plus(settle));
        else if (!model.equals(d.serving()) && !model.equals(d.rolling())) d = new Deployment(d.serving(), model, now.plus(settle));
        if (d.rolling() != null && !now.isBefore(d.availableAt())) d = new Deployment(d.rolling(), null, null);
        deployments.put(service, d);
        return d;
    }

    private boolean isCanary(List<?> canaries, String service) {
        return canaries.stream().anyMatch(c -> service.equals(predictorService(name, Json.map(Json.map(c).get("predictor")).get("name"))));
    }
}
