package dev.aviary.sim.kserve;

import dev.aviary.sim.IstioExporter;
import dev.aviary.sim.Pods;
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
    /** The {@code version} label of each predictor service's pods, as Istio reports it (destination_version). */
    private final Map<String, String> versions = new HashMap<>();

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
        if (canaries.isEmpty()) return ServerlessReconciler.predictorModel(stable);
        return model(stable, Json.map(Json.map(canaries.get(0)).get("predictor")));
    }

    /** A canary's model: its own, else the stable predictor's it is merged over (buildCanaryPredictor). */
    private static String model(Map<String, Object> stable, Map<String, Object> canaryPredictor) {
        String own = ServerlessReconciler.predictorModelOrNull(canaryPredictor);
        return own != null ? own : ServerlessReconciler.predictorModel(stable);
    }

    /** kserve pkg/constants PredictorServiceName. */
    static String predictorService(String isvc, Object predictorName) {
        return predictorName instanceof String n && !n.isEmpty() ? isvc + "-" + n + "-predictor" : isvc + "-predictor";
    }

    /**
     * What ran before the simulation started, available at once: the stable predictor, and the canaries the stored
     * status reports ready.
     */
    void seed(Map<String, Object> isvc) {
        Map<String, Object> stable = Json.map(Json.map(isvc.get("spec")).get("predictor"));
        deployments.put(predictorService(name, stable.get("name")), new Deployment(ServerlessReconciler.predictorModel(stable), null, null));
        Map<String, Long> served = split(isvc);
        for (Object c : Json.list(Json.map(isvc.get("spec")).get("canary"))) {
            Map<String, Object> predictor = Json.map(Json.map(c).get("predictor"));
            String service = predictorService(name, predictor.get("name"));
            if (served.containsKey(service)) deployments.put(service, new Deployment(model(stable, predictor), null, null));
        }
    }

    /** The model a predictor service's pods serve now; null when none is available. */
    String serving(String service) {
        Deployment d = deployments.get(service);
        return d == null ? null : d.serving();
    }

    /** What Istio reports as destination_version for a predictor service's pods. */
    String version(String service) {
        return versions.getOrDefault(service, IstioExporter.UNKNOWN);
    }

    /**
     * The HTTPRoute's backends (httproute_reconciler.go {@code applyCanaryWeights}) for the spec and the status as
     * stored: predictor service → percent, backends at 0 left out. The stable service gets 100 minus the READY
     * canaries' percents; a canary gets a backend only once its status says ready.
     */
    static Map<String, Long> split(Map<String, Object> isvc) {
        String name = (String) Json.map(isvc.get("metadata")).get("name");
        Map<String, Object> spec = Json.map(isvc.get("spec"));
        Map<String, Boolean> ready = new HashMap<>();
        for (Object cs : Json.list(Json.map(isvc.get("status")).get("canaryStatuses"))) {
            if (Json.map(cs).get("name") instanceof String n) ready.put(n, Boolean.TRUE.equals(Json.map(cs).get("ready")));
        }
        Map<String, Long> out = new HashMap<>();
        long canaries = 0;
        for (Object c : Json.list(spec.get("canary"))) {
            Object canaryName = Json.map(Json.map(c).get("predictor")).get("name");
            if (!(canaryName instanceof String n) || !ready.getOrDefault(n, false)) continue;
            long percent = Json.map(c).get("trafficPercent") instanceof Number p ? p.longValue() : 0;
            canaries += percent;
            if (percent > 0) out.merge(predictorService(name, n), percent, Long::sum);
        }
        if (canaries < 100) out.merge(predictorService(name, Json.map(spec.get("predictor")).get("name")), 100 - canaries, Long::sum);
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
        Map<String, String> labels = Json.map(Json.map(isvc.get("metadata")).get("labels")).entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> String.valueOf(e.getValue())));
        versions.clear();
        versions.put(stable, podVersion(labels, stablePredictor, Map.of()));
        boolean allReady = true;
        List<?> canaries = Json.list(spec.get("canary"));
        for (Object c : canaries) {
            Map<String, Object> canary = Json.map(c);
            Map<String, Object> predictor = Json.map(canary.get("predictor"));
            String service = predictorService(name, predictor.get("name"));
            boolean ready = deploy(service, model(stablePredictor, predictor), now).available();
            long percent = canary.get("trafficPercent") instanceof Number n ? n.longValue() : 0;
            allReady &= ready;
            Map<String, Object> cs = new LinkedHashMap<>();
            cs.put("name", predictor.get("name"));
            cs.put("ready", ready);
            cs.put("trafficPercent", (int) percent);
            canaryStatuses.add(cs);
            versions.put(service, podVersion(labels, stablePredictor, predictor));
        }
        // the Deployments no spec names any more are cleaned up (reconcileCanaryDeployments' orphan cleanup)
        deployments.keySet().retainAll(versions.keySet());

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

    /**
     * The pods' {@code version} label, which Istio reports as destination_version (else "unknown"): KServe puts the
     * InferenceService's labels and the predictor's {@code labels} on the pods, a canary's over the stable's.
     */
    private static String podVersion(Map<String, String> isvcLabels, Map<String, Object> stable, Map<String, Object> canary) {
        Map<String, String> labels = new HashMap<>(isvcLabels);
        for (Map<String, Object> p : List.of(stable, canary)) Json.map(p.get("labels")).forEach((k, v) -> labels.put(k, String.valueOf(v)));
        return Pods.versionLabel(labels);
    }
}
