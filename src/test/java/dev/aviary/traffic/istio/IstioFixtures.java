package dev.aviary.traffic.istio;

import dev.aviary.traffic.Json;
import dev.aviary.policy.IstioTarget;
import dev.aviary.policy.Policy;
import dev.aviary.traffic.ArmLabels;
import dev.aviary.traffic.LiveTraffic;
import dev.aviary.traffic.TargetException;
import dev.aviary.traffic.TrafficSplit;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Loads the ResNet50 → ResNet101 fixtures into the mock API server and reads objects back as plain maps. */
final class IstioFixtures {

    static final String NS = "default";
    static final String VS = "image-classifier";

    private final KubernetesClient client;

    IstioFixtures(KubernetesClient client) {
        this.client = client;
    }

    KubernetesClient client() {
        return client;
    }

    static ResourceDefinitionContext virtualServices(String version) {
        return IstioApi.context(version, "VirtualService", "virtualservices");
    }

    static ResourceDefinitionContext destinationRules(String version) {
        return IstioApi.context(version, "DestinationRule", "destinationrules");
    }

    static ResourceDefinitionContext gateways(String version) {
        return IstioApi.context(version, "Gateway", "gateways");
    }

    /** Empty the namespace: the mock server is shared by all tests of a class. */
    void clear() {
        for (String v : IstioApi.VERSIONS) {
            client.genericKubernetesResources(virtualServices(v)).inNamespace(NS).delete();
            client.genericKubernetesResources(destinationRules(v)).inNamespace(NS).delete();
            client.genericKubernetesResources(gateways(v)).inNamespace(NS).delete();
        }
        client.apps().deployments().inNamespace(NS).delete();
        client.services().inNamespace(NS).delete();
    }

    GenericKubernetesResource generic(String fixture) {
        try (InputStream in = stream(fixture)) {
            return client.getKubernetesSerialization().unmarshal(in, GenericKubernetesResource.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Create an Istio object under the group/version its apiVersion names. */
    GenericKubernetesResource createIstio(String fixture) {
        return createIstio(generic(fixture));
    }

    GenericKubernetesResource createIstio(GenericKubernetesResource r) {
        return client.genericKubernetesResources(contextOf(r)).inNamespace(NS).resource(r).create();
    }

    void createWorkloads() {
        createWorkloads("workloads.yaml");
    }

    /** Create the Services and Deployments of a multi-document fixture. */
    void createWorkloads(String fixture) {
        try (InputStream in = stream(fixture)) {
            for (HasMetadata o : client.load(in).items()) client.resource(o).inNamespace(NS).create();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Map<String, Object> virtualService(String version) {
        return asMap(client.genericKubernetesResources(virtualServices(version)).inNamespace(NS).withName(VS).get());
    }

    /** Replace a VirtualService with an edited map (as a person or GitOps would), returning the stored map. */
    Map<String, Object> replaceVirtualService(String version, Map<String, Object> object) {
        GenericKubernetesResource r = client.getKubernetesSerialization().convertValue(object, GenericKubernetesResource.class);
        return asMap(client.genericKubernetesResources(virtualServices(version)).inNamespace(NS).resource(r).update());
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> asMap(GenericKubernetesResource r) {
        return Json.deepCopyMap(client.getKubernetesSerialization().convertValue(r, Map.class));
    }

    static ResourceDefinitionContext contextOf(GenericKubernetesResource r) {
        String[] gv = r.getApiVersion().split("/");
        // VirtualService, DestinationRule, Gateway: Istio's plurals are the lower-cased kind plus "s"
        return IstioApi.context(gv[1], r.getKind(), r.getKind().toLowerCase(java.util.Locale.ROOT) + "s");
    }

    private static InputStream stream(String fixture) {
        InputStream in = IstioFixtures.class.getResourceAsStream("/istio/" + fixture);
        if (in == null) throw new IllegalArgumentException("no fixture " + fixture);
        return in;
    }

    static Policy policy(String route, IstioTarget.Arm baseline, IstioTarget.Arm canary) {
        return new Policy("image-classifier-resnet101", NS,
                new IstioTarget(VS, route, baseline, canary),
                Duration.ofMinutes(1), List.of(), Duration.ofMinutes(30), Policy.TimeoutAction.ROLLBACK,
                new Policy.NoDataRule(Duration.ofMinutes(5), Policy.TimeoutAction.PAUSE), List.of(), 0.05, 200,
                List.of(), null, "sha256:test");
    }

    static Policy policy(String route) {
        return policy(route, new IstioTarget.Arm("resnet50", null, null), new IstioTarget.Arm("resnet101", null, null));
    }

    static Policy primaryPolicy() {
        return policy("primary");
    }

    // A router takes the target and its namespace; the tests speak in policies, as users write them.

    static LiveTraffic read(IstioRouter router, Policy p) throws TargetException {
        return router.read((IstioTarget) p.target(), p.namespace());
    }

    static String apply(IstioRouter router, Policy p, TrafficSplit desired, String resourceVersion) throws TargetException {
        return router.apply((IstioTarget) p.target(), p.namespace(), desired, resourceVersion);
    }

    static ArmLabels armLabels(IstioRouter router, Policy p) throws TargetException {
        return router.armLabels((IstioTarget) p.target(), p.namespace());
    }
}
