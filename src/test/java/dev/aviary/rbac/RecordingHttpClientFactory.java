package dev.aviary.rbac;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.http.HttpClient;
import java.util.Comparator;
import java.util.ServiceLoader;

/**
 * The HTTP client factory of every fabric8 client created in the tests (the application's, the mock servers', the
 * tests' own): the usual factory, plus {@link ApiRequestRecorder}. Registered through
 * META-INF/services/io.fabric8.kubernetes.client.http.HttpClient$Factory in the test resources, with a priority
 * above the others, so no test or fixture needs to know about it.
 */
public final class RecordingHttpClientFactory implements HttpClient.Factory {

    private static final String INTERCEPTOR = "aviary-api-request-recorder";
    private HttpClient.Factory delegate;

    @Override
    public HttpClient.Builder newBuilder(Config config) {
        return recording(delegate().newBuilder(config));
    }

    @Override
    public HttpClient.Builder newBuilder() {
        return recording(delegate().newBuilder());
    }

    @Override
    public int priority() {
        return 1_000;
    }

    private static HttpClient.Builder recording(HttpClient.Builder builder) {
        builder.addOrReplaceInterceptor(INTERCEPTOR, new ApiRequestRecorder());
        return builder;
    }

    /** The factory fabric8 would have chosen without this one. */
    private synchronized HttpClient.Factory delegate() {
        if (delegate == null) {
            delegate = ServiceLoader.load(HttpClient.Factory.class, RecordingHttpClientFactory.class.getClassLoader()).stream()
                    .map(ServiceLoader.Provider::get)
                    .filter(f -> !(f instanceof RecordingHttpClientFactory))
                    .max(Comparator.comparingInt(HttpClient.Factory::priority))
                    .orElseThrow(() -> new IllegalStateException("no fabric8 HTTP client factory on the test classpath"));
        }
        return delegate;
    }
}
