package dev.aviary.metrics.prometheus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;

/**
 * Instant queries against Prometheus' HTTP API ({@code /api/v1/query}). Retries passing faults, gives up quickly
 * when Prometheus is down (circuit breaker), and never lets a slow Prometheus stall the rollout loop (timeout).
 */
@ApplicationScoped
public class PrometheusClient {

    /** One series of an instant vector. */
    public record Sample(Map<String, String> labels, double value) {}

    private final PrometheusConfig config;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();

    public PrometheusClient(PrometheusConfig config) {
        this.config = config;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(config.timeout());
        if (config.url().startsWith("https")) b.sslContext(sslContext(config.tls()));
        this.http = b.build();
    }

    @Timeout(10_000)
    @Retry(maxRetries = 2, delay = 200, abortOn = PrometheusException.BadQuery.class)
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.75, delay = 3_000, skipOn = PrometheusException.BadQuery.class)
    public List<Sample> query(String promql) throws PrometheusException {
        String url = config.url().replaceAll("/+$", "") + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8);
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url)).timeout(config.timeout()).GET();
        String token = token();
        if (token != null) req.header("Authorization", "Bearer " + token);
        HttpResponse<String> resp;
        try {
            resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new PrometheusException("Prometheus at " + shown(config.url()) + " did not answer: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PrometheusException("interrupted while querying Prometheus", e);
        }
        return parse(resp.statusCode(), resp.body(), promql);
    }

    List<Sample> parse(int status, String body, String promql) throws PrometheusException {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (IOException e) {
            throw new PrometheusException("Prometheus answered HTTP " + status + " with a body that is not JSON");
        }
        if (status == 400 || status == 422) {
            throw new PrometheusException.BadQuery("Prometheus rejected the query " + promql + ": " + root.path("error").asText());
        }
        if (status / 100 != 2 || !"success".equals(root.path("status").asText())) {
            throw new PrometheusException("Prometheus answered HTTP " + status + ": " + root.path("error").asText("no error text"));
        }
        JsonNode data = root.path("data");
        List<Sample> out = new ArrayList<>();
        if ("scalar".equals(data.path("resultType").asText())) {
            out.add(new Sample(Map.of(), Double.parseDouble(data.path("result").path(1).asText())));
            return out;
        }
        for (JsonNode series : data.path("result")) {
            Map<String, String> labels = new HashMap<>();
            series.path("metric").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            // Prometheus encodes values as strings, including "NaN" and "+Inf"
            out.add(new Sample(Map.copyOf(labels), Double.parseDouble(series.path("value").path(1).asText().replace("+Inf", "Infinity"))));
        }
        return out;
    }

    /** The URL as messages may show it: without user:password, should anyone put them there. */
    static String shown(String url) {
        return url.replaceFirst("^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@", "$1");
    }

    private String token() throws PrometheusException {
        if (config.bearerTokenFile().isPresent()) {
            try {
                return Files.readString(Path.of(config.bearerTokenFile().get())).trim();
            } catch (IOException e) {
                throw new PrometheusException("cannot read the Prometheus bearer token file " + config.bearerTokenFile().get()
                        + ": " + e.getMessage());
            }
        }
        return config.bearerToken().filter(t -> !t.isBlank()).orElse(null);
    }

    private static SSLContext sslContext(PrometheusConfig.Tls tls) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            if (tls.insecureSkipVerify()) {
                ctx.init(null, new TrustManager[] {new TrustAll()}, new SecureRandom());
            } else if (tls.caFile().isPresent()) {
                KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                try (InputStream in = Files.newInputStream(Path.of(tls.caFile().get()))) {
                    int i = 0;
                    for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                        ks.setCertificateEntry("ca-" + i++, c);
                    }
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
                ctx.init(null, tmf.getTrustManagers(), new SecureRandom());
            } else {
                return SSLContext.getDefault();
            }
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up TLS for Prometheus (aviary.prometheus.tls.*): " + e.getMessage(), e);
        }
    }

    /** Used only when the operator asks for insecure-skip-verify. */
    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
