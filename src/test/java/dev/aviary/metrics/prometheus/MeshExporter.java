package dev.aviary.metrics.prometheus;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Istio's and Knative's request metrics for many services at known rates, as a mesh would export them, for a real
 * Prometheus to scrape: each counter is its rate times the seconds since the exporter started, so a count over a
 * window is known to within a scrape. One Istio service ({@link #RESET_SERVICE}) restarts its counters at a chosen
 * time, like a pod that restarted.
 */
final class MeshExporter implements AutoCloseable {

    static final String RESET_SERVICE = "svc-reset";
    /** A service whose canary gets its first requests at a chosen time, at the baseline's rate from then on. */
    static final String SHIFT_SERVICE = "svc-shift";
    /** Each arm's request rate per second (v2 a little less), its failed share, and its latency bucket shares. */
    static final double RATE = 10;
    static final double[] LE = {100, 250, 500};
    private static final double[] WITHIN = {0.6, 0.9, 0.99};

    private final int istioServices;
    private final int knativeServices;
    private final long started = System.currentTimeMillis();
    private volatile long resetAtMillis = Long.MAX_VALUE;
    private volatile long shiftAtMillis = Long.MAX_VALUE;
    private final HttpServer http;

    MeshExporter(int istioServices, int knativeServices) throws IOException {
        this.istioServices = istioServices;
        this.knativeServices = knativeServices;
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/metrics", x -> {
            byte[] body = scrape(System.currentTimeMillis()).getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        http.start();
    }

    String target() {
        return "127.0.0.1:" + http.getAddress().getPort();
    }

    /** From {@code millis} (epoch) on, the reset service's counters start again from zero. */
    void resetAt(long millis) {
        resetAtMillis = millis;
    }

    /** At {@code millis} (epoch) the shift service's split goes from 100/0 to 50/50 (its total rate unchanged). */
    void shiftAt(long millis) {
        shiftAtMillis = millis;
    }

    static String istioService(int i) {
        return "svc-" + i;
    }

    static String knativeService(int i) {
        return "model-" + i + "-predictor";
    }

    /** What a scrape at {@code now} (epoch millis) answers: the tests read the exact counters at any instant here. */
    String scrape(long now) {
        double seconds = (now - started) / 1000.0;
        StringBuilder out = new StringBuilder("# TYPE istio_requests_total counter\n");
        StringBuilder buckets = new StringBuilder("# TYPE istio_request_duration_milliseconds histogram\n");
        for (int i = 0; i <= istioServices; i++) {
            String svc = i == istioServices ? RESET_SERVICE : istioService(i);
            double t = i == istioServices && now >= resetAtMillis ? (now - resetAtMillis) / 1000.0 : seconds;
            for (String arm : new String[] {"v1", "v2"}) {
                double total = Math.floor(rate(i, arm) * t);
                String labels = "reporter=\"destination\",destination_service_namespace=\"default\",destination_service_name=\""
                        + svc + "\",destination_version=\"" + arm + "\"";
                long bad = (long) Math.floor(total * failedShare(i, arm));
                out.append("istio_requests_total{").append(labels).append(",response_code=\"200\"} ").append((long) total - bad).append('\n');
                out.append("istio_requests_total{").append(labels).append(",response_code=\"503\"} ").append(bad).append('\n');
                // the client's sidecar reports the same requests again: never to be counted twice
                out.append("istio_requests_total{").append(labels.replace("destination\",", "source\",")).append(",response_code=\"200\"} ")
                        .append((long) total).append('\n');
                histogram(buckets, "istio_request_duration_milliseconds_bucket", labels, total);
            }
        }
        for (String arm : new String[] {"v1", "v2"}) {
            // Istio exports no series for a version before its first request
            if (arm.equals("v2") && now < shiftAtMillis) continue;
            // the split goes from 100/0 to 50/50 at the shift: the baseline's rate halves, the canary's begins
            double after = Math.max(0, now - shiftAtMillis) / 1000.0;
            double count = arm.equals("v2") ? RATE * after : 2 * RATE * (seconds - after) + RATE * after;
            out.append("istio_requests_total{reporter=\"destination\",destination_service_namespace=\"default\",destination_service_name=\"")
                    .append(SHIFT_SERVICE).append("\",destination_version=\"").append(arm).append("\",response_code=\"200\"} ")
                    .append((long) Math.floor(count)).append('\n');
        }
        // the same service name in another namespace is another model
        out.append("istio_requests_total{reporter=\"destination\",destination_service_namespace=\"other\",destination_service_name=\"svc-0\","
                + "destination_version=\"v1\",response_code=\"503\"} ").append((long) (100 * seconds)).append('\n');
        out.append(buckets);
        out.append("# TYPE revision_app_request_count counter\n");
        StringBuilder latencies = new StringBuilder("# TYPE revision_app_request_latencies histogram\n");
        for (int i = 0; i < knativeServices; i++) {
            for (String arm : new String[] {"v1", "v2"}) {
                double total = Math.floor(rate(i, arm) * seconds);
                long bad = (long) Math.floor(total * failedShare(i, arm));
                String labels = "namespace_name=\"serving\",service_name=\"" + knativeService(i) + "\",revision_name=\""
                        + revision(i, arm) + "\"";
                out.append("revision_app_request_count{").append(labels).append(",response_code=\"200\",response_code_class=\"2xx\"} ")
                        .append((long) total - bad).append('\n');
                out.append("revision_app_request_count{").append(labels).append(",response_code=\"500\",response_code_class=\"5xx\"} ")
                        .append(bad).append('\n');
                histogram(latencies, "revision_app_request_latencies_bucket", labels, total);
            }
        }
        return out.append(latencies).toString();
    }

    static String revision(int i, String arm) {
        return knativeService(i) + (arm.equals("v1") ? "-00001" : "-00002");
    }

    private static void histogram(StringBuilder out, String series, String labels, double total) {
        for (int b = 0; b < LE.length; b++) {
            out.append(series).append('{').append(labels).append(",le=\"").append((long) LE[b]).append("\"} ")
                    .append((long) Math.floor(total * WITHIN[b])).append('\n');
        }
        out.append(series).append('{').append(labels).append(",le=\"+Inf\"} ").append((long) total).append('\n');
    }

    static double rate(int service, String arm) {
        return arm.equals("v1") ? RATE + service % 3 : RATE - 2 + service % 2;
    }

    static double failedShare(int service, String arm) {
        return arm.equals("v1") ? 0.01 : 0.01 * (1 + service % 4);
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
