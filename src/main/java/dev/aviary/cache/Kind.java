package dev.aviary.cache;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.Map;

/**
 * A kind of object Aviary reads, as one API version serves it: a typed class (Service, Deployment, CanaryRollout) or
 * raw JSON through a {@link ResourceDefinitionContext} (Istio's objects in each of their versions, InferenceServices).
 * Two kinds are the same when they name the same group, version and plural.
 *
 * @param id      "group/version/plural", what equality is decided on
 * @param labels  what a watch of this kind selects (empty: every object of the namespace); direct reads ignore it
 */
public record Kind<T extends HasMetadata>(String id, Class<T> type, ResourceDefinitionContext context, Map<String, String> labels) {

    public Kind {
        labels = Map.copyOf(labels);
    }

    public static <T extends HasMetadata> Kind<T> of(Class<T> type) {
        return of(type, Map.of());
    }

    public static <T extends HasMetadata> Kind<T> of(Class<T> type, Map<String, String> labels) {
        ResourceDefinitionContext c = ResourceDefinitionContext.fromResourceType(type);
        return new Kind<>(id(c), type, null, labels);
    }

    public static Kind<GenericKubernetesResource> generic(ResourceDefinitionContext context) {
        return new Kind<>(id(context), GenericKubernetesResource.class, context, Map.of());
    }

    /** The client's operation on this kind. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    MixedOperation<T, ? extends KubernetesResourceList<T>, Resource<T>> in(KubernetesClient client) {
        return context == null ? client.resources(type) : (MixedOperation) client.genericKubernetesResources(context);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Kind<?> k && k.id.equals(id);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return id;
    }

    private static String id(ResourceDefinitionContext c) {
        return (c.getGroup() == null ? "" : c.getGroup()) + "/" + c.getVersion() + "/" + c.getPlural();
    }
}
