package dev.aviary.rbac;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * k8s/ grants Aviary exactly what it uses. Every request any fabric8 client sent during this test run was recorded
 * ({@link RecordingHttpClientFactory}); this class runs last (Quarkus' class orderer puts plain tests after
 * {@code @QuarkusTest}s, and orders them by {@code @Order}: see META-INF/microprofile-config.properties in the test
 * resources) and checks the application's requests against the RBAC rules read from k8s/, with the API server's
 * verb semantics, both ways: each request is allowed, and each rule is used by some request.
 */
@Order(Integer.MAX_VALUE)
class LeastPrivilegeRbacTest {

    static RbacGrants k8s;
    static List<ApiRequest> recorded;

    @BeforeAll
    static void read() throws IOException {
        k8s = RbacGrants.read(ApiRequestRecorder.basedir().resolve("k8s"));
        Path log = ApiRequestRecorder.log();
        recorded = new ArrayList<>();
        if (Files.exists(log)) {
            for (String line : Files.readAllLines(log)) recorded.add(ApiRequest.parse(line));
        }
    }

    @Test
    void everyRequestTheApplicationMadeIsAllowedByK8s() {
        List<ApiRequest> app = application();
        assumeFalse(app.isEmpty(), "no request of the application was recorded in this JVM: run it with the test suite");
        Map<String, ApiRequest> denied = new LinkedHashMap<>();
        for (ApiRequest r : app) {
            if (r.resource() != null && k8s.allowing(asDeployed(r)).isEmpty()) denied.putIfAbsent(key(r), r);
        }
        assertTrue(denied.isEmpty(), "k8s/ does not allow " + k8s.serviceAccount() + " to make these requests the application made:\n  "
                + String.join("\n  ", denied.values().stream().map(ApiRequest::describe).toList()));
    }

    @Test
    void nothingInK8sGoesUnused() {
        assumeTrue(System.getProperty("test") == null, "which rules are used is known only from the whole test suite");
        List<ApiRequest> app = application().stream().map(LeastPrivilegeRbacTest::asDeployed).toList();
        assumeFalse(app.isEmpty(), "no request of the application was recorded in this JVM: run it with the test suite");
        List<String> unused = new ArrayList<>();
        for (RbacGrants.Grant g : k8s.grants()) {
            for (String group : g.groups()) {
                for (String resource : g.resources()) {
                    for (String verb : g.verbs()) {
                        boolean used = app.stream().anyMatch(r -> g.allows(r) && group.equals(r.group()) && resource.equals(r.resource())
                                && verb.equals(r.verb()));
                        if (!used) unused.add(g.source() + ": " + verb + " " + (group.isEmpty() ? "" : group + "/") + resource);
                    }
                }
            }
        }
        assertTrue(unused.isEmpty(), "k8s/ grants what no request of the application used (remove it, or test the code that needs it):\n  "
                + String.join("\n  ", unused));
    }

    @Test
    void everyRequestIsAttributed() {
        List<ApiRequest> unknown = recorded.stream().filter(r -> r.origin() == ApiRequestRecorder.Origin.unattributed).toList();
        assertTrue(unknown.isEmpty(), "requests sent from threads without Aviary's code on the stack; teach ApiRequestRecorder whose "
                + "they are:\n  " + String.join("\n  ", unknown.stream().map(ApiRequest::describe).distinct().toList()));
    }

    /** The check itself reads requests and rules as the API server would; otherwise the two checks above prove nothing. */
    @Test
    void verbsAndScopesAreReadAsTheApiServerReadsThem() {
        String vs = "/apis/networking.istio.io/v1/namespaces/default/virtualservices";
        assertAllowed(true, "get", "GET", vs + "/image-classifier");
        assertAllowed(true, "list", "GET", vs);
        assertAllowed(true, "watch", "GET", vs + "?watch=true&resourceVersion=12");
        assertAllowed(false, "update", "PUT", vs + "/image-classifier");
        assertAllowed(true, "patch", "PATCH", vs + "/image-classifier");
        assertAllowed(true, "list", "GET", "/apis/networking.istio.io/v1alpha3/namespaces/search/destinationrules");
        assertAllowed(false, "get", "GET", "/apis/networking.istio.io/v1alpha3/namespaces/search/destinationrules/ranker");
        String isvc = "/apis/serving.kserve.io/v1beta1/namespaces/kserve-deployments/inferenceservices";
        assertAllowed(true, "get", "GET", isvc + "/fraud-classifier");
        assertAllowed(true, "patch", "PATCH", isvc + "/fraud-classifier");
        assertAllowed(true, "list", "GET", isvc);
        assertAllowed(false, "update", "PUT", isvc + "/fraud-classifier");
        String cr = "/apis/aviary.dev/v1/namespaces/default/canaryrollouts";
        assertAllowed(true, "list", "GET", "/apis/aviary.dev/v1/canaryrollouts");
        assertAllowed(true, "update", "PUT", cr + "/image-classifier");
        assertAllowed(false, "patch", "PATCH", cr + "/image-classifier");
        assertAllowed(false, "delete", "DELETE", cr + "/image-classifier");
        assertAllowed(false, "deletecollection", "DELETE", cr);
        assertAllowed(true, "create", "POST", "/api/v1/namespaces/payments/events");
        assertAllowed(false, "patch", "PATCH", "/api/v1/namespaces/payments/events/fraud-detector.17a");
        assertAllowed(true, "create", "POST", "/apis/authentication.k8s.io/v1/tokenreviews");
        assertAllowed(true, "create", "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews");
        // Secrets only where an operator granted them
        assertAllowed(true, "get", "GET", "/api/v1/namespaces/payments/secrets/slack-ml");
        assertAllowed(false, "get", "GET", "/api/v1/namespaces/search/secrets/slack-ml");
        assertAllowed(false, "list", "GET", "/api/v1/namespaces/payments/secrets");
        // the Lease only in Aviary's own namespace, as deployed
        assertAllowed(true, "update", "PUT", "/apis/coordination.k8s.io/v1/namespaces/aviary-system/leases/aviary-shard-0");
        assertAllowed(false, "update", "PUT", "/apis/coordination.k8s.io/v1/namespaces/default/leases/aviary-shard-0");
        assertAllowed(false, "patch", "PATCH", "/apis/coordination.k8s.io/v1/namespaces/aviary-system/leases/aviary-shard-0");
        assertAllowed(false, "get", "GET", "/api/v1/namespaces/aviary-system/configmaps/aviary-policies");
        ApiRequest status = ApiRequest.of(ApiRequestRecorder.Origin.app, "PUT", cr + "/image-classifier/status", "x");
        assertEquals("canaryrollouts/status", status.resource(), "a subresource is its own RBAC resource");
        assertTrue(k8s.allowing(status).isEmpty(), "no rule grants the status subresource");
    }

    private static void assertAllowed(boolean allowed, String verb, String method, String path) {
        ApiRequest r = ApiRequest.of(ApiRequestRecorder.Origin.app, method, path, "test");
        assertEquals(verb, r.verb(), method + " " + path);
        assertEquals(allowed, !k8s.allowing(r).isEmpty(), (allowed ? "should allow " : "should deny ") + r.describe());
    }

    private static List<ApiRequest> application() {
        return recorded.stream().filter(r -> r.origin() == ApiRequestRecorder.Origin.app).toList();
    }

    /**
     * The request as the deployed Aviary would send it. The Lease's namespace is configuration (the deployment sets
     * AVIARY_LEADER_ELECTION_NAMESPACE to its own namespace; the tests elect in "test", or in the client's default
     * namespace): a Lease request counts in the namespace k8s/deployment.yaml gives. Everything else is checked as sent.
     */
    private static ApiRequest asDeployed(ApiRequest r) {
        if (!"coordination.k8s.io".equals(r.group()) || !"leases".equals(r.resource()) || r.namespace() == null) return r;
        return new ApiRequest(r.origin(), r.method(), r.path(), r.frame(), r.verb(), r.group(), r.resource(), k8s.ownNamespace(), r.name());
    }

    private static String key(ApiRequest r) {
        return r.verb() + " " + r.group() + "/" + r.resource() + " " + r.namespace();
    }
}
