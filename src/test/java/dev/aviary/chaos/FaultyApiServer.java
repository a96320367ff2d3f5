package dev.aviary.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fabric8 mock API server (CRUD mode, plain HTTP on loopback) with a fault-injecting layer in front of its CRUD
 * handling: a share of the writes (POST, PUT, PATCH, DELETE) on CanaryRollouts and VirtualServices is answered 409 or
 * 500 without reaching the store, as a real HTTP answer the clients read like any other; Lease traffic and reads pass.
 * Every write that did reach the store is recorded with the object as stored (its resourceVersion, status, routes), in
 * the order the store applied them.
 */
final class FaultyApiServer implements AutoCloseable {

    /** One write the store applied. {@code seq} orders them; {@code object} is the object as the server returned it. */
    record Write(long seq, long atMillis, String resource, String namespace, String name, String verb, String resourceVersion,
            JsonNode object) {}

    /** The writes Aviary makes on the objects it drives; Leases (coordination.k8s.io) are left alone. */
    private static final Pattern FAULTED = Pattern.compile("^/apis/(aviary\\.dev|networking\\.istio\\.io)/[^/]+/namespaces/[^/]+/"
            + "(canaryrollouts|virtualservices)(/.*)?$");
    private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");

    private final KubernetesMockServer server;
    private final ObjectMapper json = new ObjectMapper();
    private final Random random;
    private final double rate;
    private final AtomicBoolean faulting = new AtomicBoolean();
    private final AtomicLong seq = new AtomicLong();
    private final List<Write> writes = new CopyOnWriteArrayList<>();
    private final Map<Integer, AtomicLong> faults = new ConcurrentHashMap<>();
    private final AtomicLong faultable = new AtomicLong();

    /** @param rate share of the faultable writes answered 409 or 500 (half each) once {@link #startFaults()} is called */
    FaultyApiServer(double rate, long seed) {
        this.rate = rate;
        this.random = new Random(seed);
        Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), expectations, new Faults(expectations), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
    }

    /** A client of its own, as each pod has; fabric8's retries off, so Aviary's code meets every injected fault. */
    KubernetesClient client() {
        Config config = server.createClient().getConfiguration();
        config.setRequestRetryBackoffLimit(0);
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    void startFaults() {
        faulting.set(true);
    }

    void stopFaults() {
        faulting.set(false);
    }

    List<Write> writes() {
        return List.copyOf(writes);
    }

    /** Faults injected so far, by HTTP code. */
    Map<Integer, Long> faults() {
        Map<Integer, Long> out = new java.util.TreeMap<>();
        faults.forEach((code, n) -> out.put(code, n.get()));
        return out;
    }

    /** Writes that were open to faults (faulted or passed) while faults were on. */
    long faultable() {
        return faultable.get();
    }

    @Override
    public void close() {
        server.destroy();
    }

    private final class Faults extends KubernetesMixedDispatcher {

        Faults(Map<ServerRequest, Queue<ServerResponse>> expectations) {
            super(expectations);
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            String path = request.getPath() == null ? "" : request.getPath().split("\\?", 2)[0];
            Matcher m = FAULTED.matcher(path);
            boolean write = WRITES.contains(request.getMethod()) && m.matches();
            if (write && faulting.get()) {
                faultable.incrementAndGet();
                Integer code = injected();
                if (code != null) {
                    faults.computeIfAbsent(code, c -> new AtomicLong()).incrementAndGet();
                    return status(code);
                }
            }
            MockResponse response = super.dispatch(request);
            if (write && response.code() / 100 == 2) record(m.group(2), request.getMethod(), response);
            return response;
        }

        private Integer injected() {
            synchronized (random) {
                if (random.nextDouble() >= rate) return null;
                return random.nextBoolean() ? 409 : 500;
            }
        }

        private void record(String resource, String verb, MockResponse response) {
            try {
                JsonNode object = json.readTree(new String(response.getBody().getBytes(), StandardCharsets.UTF_8));
                JsonNode meta = object.path("metadata");
                writes.add(new Write(seq.incrementAndGet(), System.currentTimeMillis(), resource, meta.path("namespace").asText(),
                        meta.path("name").asText(), verb, meta.path("resourceVersion").asText(), object));
            } catch (IOException e) {
                throw new IllegalStateException("the mock API server answered a write with something not JSON", e);
            }
        }
    }

    private static MockResponse status(int code) {
        String reason = code == 409 ? "Conflict" : "InternalError";
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
                .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"injected by the "
                        + "chaos run\",\"reason\":\"" + reason + "\",\"code\":" + code + "}");
    }
}
