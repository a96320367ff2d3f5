package dev.aviary.traffic.kserve;

import dev.aviary.traffic.ArmEndpoints;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.Json;
import dev.aviary.traffic.JsonPatch;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.TargetException;
import dev.aviary.traffic.TrafficSplit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Standard (RawDeployment) mode, KServe 0.20 and later: the canary is an entry of {@code spec.canary[]}, as added by
 * kserve PR #5672 ("feat: add canary rollout support for RawDeployment mode", commit 43ec86b5e). Followed from
 * kserve's pkg/apis/serving/v1beta1 at aaac4e294:
 * <ul>
 *   <li>inference_service.go {@code CanarySpec}: {@code trafficPercent} (0-100, required) and {@code predictor}, whose
 *       {@code name} is required and names the Deployment {@code {isvc}-{name}-predictor}
 *       (pkg/constants PredictorServiceName); {@code spec.canary} is an atomic list; "to promote a canary without
 *       restart, set predictor.name to the canary name and remove the canary entry".</li>
 *   <li>inference_service_status.go {@code CanaryStatus} in {@code status.canaryStatuses[]}: name, ready,
 *       trafficPercent; the condition {@code CanaryPredictorReady} (reason AllCanariesReady / CanariesNotReady,
 *       set by pkg/controller/.../components/predictor.go; the issue calls it CanaryReady).</li>
 *   <li>test/e2e/predictor/test_canary_raw_deployment.py: promote = spec.predictor becomes the canary's predictor
 *       (with its name) and spec.canary is emptied; rollback = spec.canary emptied, the stable predictor kept.</li>
 * </ul>
 * The diff of #5672 itself is not readable in the stored snapshot (its objects are missing); the above is read from
 * the files it introduced as they stand at that later commit. Assumed: one canary entry at a time (Aviary refuses
 * more), and the canary's identity is its name plus a digest of its predictor, so a changed model is a new canary.
 */
final class StandardCanary implements CanaryMode {

    /**
     * Standard mode has no Knative queue-proxy: the arms' requests are the Istio sidecars' of the predictor services,
     * told apart by Istio's service label (the pods carry no version label).
     */
    static final String STANDARD_ARM_LABEL = "destination_service_name";

    static final String CONDITION = "CanaryPredictorReady";

    @Override
    public LiveTraffic read(InferenceService isvc, String component) throws TargetException {
        Map<String, Object> canary = canary(isvc, component);
        if (canary == null) {
            return LiveTraffic.unsettled(TrafficSplit.BASELINE_ONLY, isvc.resourceVersion(), null,
                    "no canary: spec.canary is empty (add one entry with trafficPercent and predictor.name to start one)");
        }
        int weight = trafficPercent(isvc, canary);
        String name = canaryName(isvc, canary);
        TrafficSplit split = new TrafficSplit(weight, null, 0);
        String unsettled = unsettled(isvc, name, weight);
        return new LiveTraffic(split, isvc.resourceVersion(), unsettled == null, identity(name, canary), unsettled);
    }

    @Override
    public JsonPatch patch(InferenceService isvc, String component, TrafficSplit desired) throws TargetException {
        Map<String, Object> spec = isvc.spec();
        Map<String, Object> canary = canary(isvc, component);
        JsonPatch patch = new JsonPatch();
        if (canary == null) {
            if (desired.canaryWeight() == 0) return patch; // rolled back already
            throw new TargetException.Invalid("InferenceService " + isvc.key() + " has no spec.canary entry to move to "
                    + desired.canaryWeight() + "%");
        }
        if (desired.canaryWeight() == 100) {
            // promote: the canary's predictor (named, so its Deployment is kept) becomes the stable one
            patch.put(spec, "/spec", "predictor", Json.deepCopy(Json.map(canary, "predictor")));
            patch.remove(spec, "/spec", "canary");
        } else if (desired.canaryWeight() == 0) {
            patch.remove(spec, "/spec", "canary");
        } else {
            patch.put(canary, "/spec/canary/0", "trafficPercent", desired.canaryWeight());
        }
        return patch;
    }

    @Override
    public ArmLabels arms(InferenceService isvc, String component) throws TargetException {
        Map<String, Object> canary = canary(isvc, component);
        if (canary == null) throw new TargetException.Invalid("InferenceService " + isvc.key() + " has no canary in spec.canary");
        String stable = Json.string(Json.map(isvc.spec(), "predictor"), "name");
        return new ArmLabels(predictorService(isvc.name(), stable), predictorService(isvc.name(), canaryName(isvc, canary)), null,
                STANDARD_ARM_LABEL);
    }

    /**
     * The stable predictor's Service and the canary's, {@code {isvc}[-{name}]-predictor}: KServe's raw Service
     * (kserve pkg/controller/v1beta1/inferenceservice/reconcilers/service/service_reconciler.go createDefaultSvc,
     * at aaac4e294) listens on port 80 (constants.CommonDefaultHttpPort) and forwards to the model container's first
     * port, 8080 when it declares none. Not covered: KServe's {@code serviceClusterIPNone} setting makes the Service
     * headless, where port 80 maps to nothing; name the endpoints with the container port then.
     */
    @Override
    public ArmEndpoints endpoints(InferenceService isvc, String component, String ns) throws TargetException {
        Map<String, Object> canary = canary(isvc, component);
        if (canary == null) {
            throw new TargetException("InferenceService " + isvc.key() + " has no canary in spec.canary to send requests to");
        }
        String stable = predictorService(isvc.name(), Json.string(Json.map(isvc.spec(), "predictor"), "name"));
        String candidate = predictorService(isvc.name(), canaryName(isvc, canary));
        return new ArmEndpoints(CanaryMode.service(stable, ns), CanaryMode.service(candidate, ns),
                "KServe's predictor Services " + stable + " and " + candidate + " (Standard mode), port 80");
    }

    /** kserve pkg/constants PredictorServiceName. */
    static String predictorService(String isvc, String predictorName) {
        return predictorName == null || predictorName.isEmpty() ? isvc + "-predictor" : isvc + "-" + predictorName + "-predictor";
    }

    /** The one canary entry, null when there is none. */
    private static Map<String, Object> canary(InferenceService isvc, String component) throws TargetException {
        if (!"predictor".equals(component)) {
            throw new TargetException.Invalid("InferenceService " + isvc.key() + " runs in Standard mode, where canaries"
                    + " (spec.canary[]) are predictors only; remove target.kserve.component: " + component);
        }
        List<Object> canaries = Json.list(isvc.spec(), "canary");
        if (canaries == null || canaries.isEmpty()) return null;
        if (canaries.size() > 1) {
            throw new TargetException.Invalid("InferenceService " + isvc.key() + " has " + canaries.size()
                    + " entries in spec.canary; Aviary rolls out one canary at a time");
        }
        Map<String, Object> canary = Json.map(canaries.get(0));
        if (canary == null) throw new TargetException.Invalid("InferenceService " + isvc.key() + ": spec.canary[0] is not an object");
        return canary;
    }

    private static String canaryName(InferenceService isvc, Map<String, Object> canary) throws TargetException {
        String name = Json.string(Json.map(canary, "predictor"), "name");
        if (name == null || name.isBlank()) {
            throw new TargetException.Invalid("InferenceService " + isvc.key() + ": spec.canary[0].predictor.name is missing");
        }
        return name;
    }

    private static int trafficPercent(InferenceService isvc, Map<String, Object> canary) throws TargetException {
        Number n = Json.number(canary, "trafficPercent");
        if (n == null || n.doubleValue() != n.longValue() || n.longValue() < 0 || n.longValue() > 100) {
            throw new TargetException.Invalid("InferenceService " + isvc.key() + ": spec.canary[0].trafficPercent is "
                    + Json.oneLine(canary.get("trafficPercent")) + "; it must be a whole number within 0-100");
        }
        return n.intValue();
    }

    /** Null when KServe reports the canary ready at {@code weight}% and the InferenceService Ready; else what it reports. */
    private static String unsettled(InferenceService isvc, String name, int weight) {
        List<String> still = new ArrayList<>();
        String stale = isvc.staleGeneration();
        if (stale != null) still.add(stale);
        Map<String, Object> status = null;
        List<Object> statuses = Json.list(isvc.status(), "canaryStatuses");
        if (statuses != null) {
            for (Object s : statuses) {
                if (name.equals(Json.string(Json.map(s), "name"))) status = Json.map(s);
            }
        }
        if (status == null) still.add("no status.canaryStatuses entry for canary " + name);
        else {
            Number served = Json.number(status, "trafficPercent");
            if (served == null || served.intValue() != weight) still.add("canary " + name + " at " + served + "%, not " + weight + "%");
            if (!Boolean.TRUE.equals(status.get("ready"))) still.add("canary " + name + " not ready");
        }
        if (!isvc.isTrue(CONDITION)) still.add(isvc.describeCondition(CONDITION));
        if (!isvc.isTrue("Ready")) still.add(isvc.describeCondition("Ready"));
        return still.isEmpty() ? null : "KServe reports " + String.join("; ", still);
    }

    /** The canary's name and a digest of its predictor (keys sorted), so a changed model under one name is a new canary. */
    private static String identity(String name, Map<String, Object> canary) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(String.valueOf(Json.sortedKeys(canary.get("predictor")))
                    .getBytes(StandardCharsets.UTF_8));
            return name + "@sha256:" + HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
        }
    }

}
