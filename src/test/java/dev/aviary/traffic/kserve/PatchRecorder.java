package dev.aviary.traffic.kserve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A client to the same (mock) API server that keeps the body of every PATCH it sends, so a test can assert what a
 * router wrote, op by op, and not only the object it left.
 */
public final class PatchRecorder {

    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private final KubernetesClient client;

    public PatchRecorder(KubernetesClient server) {
        this.client = new KubernetesClientBuilder().withConfig(server.getConfiguration())
                .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("record-patches", new Interceptor() {
                    @Override
                    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
                        if ("PATCH".equals(request.method())) bodies.add(request.bodyString());
                    }
                })).build();
    }

    public KubernetesClient client() {
        return client;
    }

    /** Every PATCH sent: first the resourceVersion guard, then only ops on {@code allowed} paths. */
    public void assertTouchOnly(Set<String> allowed) {
        assertFalse(bodies.isEmpty(), "nothing was patched");
        for (String body : bodies) {
            List<?> ops;
            try {
                ops = new ObjectMapper().readValue(body, List.class);
            } catch (JsonProcessingException e) {
                throw new AssertionError("not a JSON Patch: " + body, e);
            }
            Map<?, ?> guard = (Map<?, ?>) ops.get(0);
            assertEquals("/metadata/resourceVersion", guard.get("path"), "every patch is guarded: " + body);
            assertEquals("replace", guard.get("op"), "the guard replaces the version read: " + body);
            for (Object op : ops.subList(1, ops.size())) {
                Object path = ((Map<?, ?>) op).get("path");
                assertTrue(allowed.contains(String.valueOf(path)), "patch touches " + path + ": " + body);
            }
        }
    }

    public int count() {
        return bodies.size();
    }
}
