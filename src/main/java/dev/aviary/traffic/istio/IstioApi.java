package dev.aviary.traffic.istio;

import dev.aviary.cache.Kind;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

import java.util.List;

/** Where Istio's networking objects are served: the API group and the versions to try. */
final class IstioApi {

    static final String GROUP = "networking.istio.io";
    /** Newest first: Istio ≥1.22 serves v1; older clusters answer 404 and the next version is tried. */
    static final List<String> VERSIONS = List.of("v1", "v1beta1", "v1alpha3");

    private IstioApi() {}

    static Kind<GenericKubernetesResource> virtualServices(String version) {
        return Kind.generic(context(version, "VirtualService", "virtualservices"));
    }

    static Kind<GenericKubernetesResource> destinationRules(String version) {
        return Kind.generic(context(version, "DestinationRule", "destinationrules"));
    }

    static ResourceDefinitionContext context(String version, String kind, String plural) {
        return new ResourceDefinitionContext.Builder()
                .withGroup(GROUP).withVersion(version).withKind(kind).withPlural(plural).withNamespaced(true)
                .build();
    }
}
