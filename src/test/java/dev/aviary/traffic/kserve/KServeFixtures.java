package dev.aviary.traffic.kserve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.aviary.traffic.CrdSchema;
import dev.aviary.traffic.Json;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tutorial's fraud-classifier InferenceService on the mock API server, and KServe's Serverless controller as far
 * as a rollout sees it ({@link #reconcile}: the traffic KServe's ksvc reconciler sets for canaryTrafficPercent, and
 * the revisions PropagateStatus records), so tests can hold it back, break it or let it settle.
 */
public final class KServeFixtures {

    public static final String NS = "kserve-deployments";
    public static final String NAME = "fraud-classifier";
    public static final String REV1 = "fraud-classifier-predictor-00001";
    public static final String REV2 = "fraud-classifier-predictor-00002";
    public static final CrdSchema SCHEMA = CrdSchema.load("/kserve/crd/inferenceservices.serving.kserve.io.yaml");
    static final ResourceDefinitionContext CONTEXT = KServeRouter.INFERENCE_SERVICES;

    private final KubernetesClient client;

    public KServeFixtures(KubernetesClient client) {
        this.client = client;
    }

    public static Map<String, Object> tutorial() {
        try (InputStream in = KServeFixtures.class.getResourceAsStream("/kserve/router/fraud-classifier.yaml")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = new ObjectMapper(new YAMLFactory()).readValue(in, Map.class);
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The tutorial's object on the server (replacing any), returned as stored. */
    public Map<String, Object> create(Map<String, Object> object) {
        delete();
        GenericKubernetesResource r = client.getKubernetesSerialization().convertValue(object, GenericKubernetesResource.class);
        client.genericKubernetesResources(CONTEXT).inNamespace(NS).resource(r).create();
        return get();
    }

    public void delete() {
        client.genericKubernetesResources(CONTEXT).inNamespace(NS).withName(NAME).delete();
    }

    /** The object as stored, as a mutable map; null when absent. */
    public Map<String, Object> get() {
        GenericKubernetesResource r = client.genericKubernetesResources(CONTEXT).inNamespace(NS).withName(NAME).get();
        if (r == null) return null;
        @SuppressWarnings("unchecked")
        Map<String, Object> m = Json.deepCopyMap(client.getKubernetesSerialization().convertValue(r, Map.class));
        return m;
    }

    /** Write the whole object back (a person's kubectl, or KServe's status update). */
    public void put(Map<String, Object> object) {
        GenericKubernetesResource r = client.getKubernetesSerialization().convertValue(object, GenericKubernetesResource.class);
        client.genericKubernetesResources(CONTEXT).inNamespace(NS).resource(r).update();
    }

    public static Map<String, Object> predictor(Map<String, Object> isvc) {
        return Json.map(Json.map(isvc, "spec"), "predictor");
    }

    public static Map<String, Object> predictorStatus(Map<String, Object> isvc) {
        return Json.map(Json.map(Json.map(isvc, "status"), "components"), "predictor");
    }

    /** spec.predictor.canaryTrafficPercent as stored; null when the field is absent. */
    public Integer canaryTrafficPercent() {
        Number n = Json.number(predictor(get()), "canaryTrafficPercent");
        return n == null ? null : n.intValue();
    }

    /** KServe applies the spec: the traffic its ksvc reconciler sets, then the revisions PropagateStatus records. */
    public void reconcile() {
        Map<String, Object> isvc = get();
        Map<String, Object> s = predictorStatus(isvc);
        String created = Json.string(s, "latestCreatedRevision");
        String rolledOut = Json.string(s, "latestRolledoutRevision");
        Number p = Json.number(predictor(isvc), "canaryTrafficPercent");
        List<Object> traffic = new ArrayList<>();
        if (p != null && rolledOut != null) {
            traffic.add(target(true, p.intValue(), created, "latest"));
            if (p.intValue() < 100) traffic.add(target(false, 100 - p.intValue(), rolledOut, "prev"));
        } else {
            traffic.add(target(true, 100, created, "latest"));
        }
        if (p == null || p.intValue() == 100) {
            if (!created.equals(rolledOut)) s.put("previousRolledoutRevision", rolledOut);
            s.put("latestRolledoutRevision", created);
        }
        s.put("traffic", traffic);
        setReady(isvc, true, null);
        put(isvc);
    }

    /** A person applies a new model: a new revision is created (not ready yet), with canaryTrafficPercent set. */
    public String newRevision(String image, int canaryTrafficPercent) {
        Map<String, Object> isvc = get();
        Map<String, Object> predictor = predictor(isvc);
        predictor.put("canaryTrafficPercent", canaryTrafficPercent);
        Json.map(Json.list(predictor, "containers").get(0)).put("image", image);
        Map<String, Object> s = predictorStatus(isvc);
        String last = Json.string(s, "latestCreatedRevision");
        int n = Integer.parseInt(last.substring(last.lastIndexOf('-') + 1)) + 1;
        String created = String.format("%s-predictor-%05d", NAME, n);
        s.put("latestCreatedRevision", created);
        put(isvc);
        return created;
    }

    /** The Ready condition as KServe reports it. */
    public void setReady(boolean ready, String reason) {
        Map<String, Object> isvc = get();
        setReady(isvc, ready, reason);
        put(isvc);
    }

    private static void setReady(Map<String, Object> isvc, boolean ready, String reason) {
        for (Object c : Json.list(Json.map(isvc, "status"), "conditions")) {
            Map<String, Object> m = Json.map(c);
            if ("Ready".equals(m.get("type")) || "PredictorReady".equals(m.get("type"))) {
                m.put("status", ready ? "True" : "False");
                if (reason == null) m.remove("reason");
                else m.put("reason", reason);
            }
        }
    }

    private static Map<String, Object> target(boolean latest, int percent, String revision, String tag) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("latestRevision", latest);
        t.put("percent", percent);
        t.put("revisionName", revision);
        t.put("tag", tag);
        return t;
    }
}
