package dev.aviary.metrics.prometheus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aviary.secrets.Redactor;
import dev.aviary.secrets.SecretException;
import dev.aviary.secrets.SecretValues;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Instant queries against Prometheus' HTTP API ({@code /api/v1/query}), sent asynchronously and bounded by
 * {@code aviary.prometheus.timeout}. There is deliberately no retry and no circuit breaker here: they were shared by
 * every rollout, so one policy's broken query opened the breaker for all, and a timeout with retries held a worker
 * for 30 s. A failed query is its own rollout's NO_DATA for this tick; the next tick is the retry.
 * The URL and bearer token are trimmed and checked when read, and registered with the {@link Redactor} before
 * use; a token or URL that cannot be used is a one-line error naming the setting, never its value.
 */
@ApplicationScoped
public class PrometheusClient {

    /** One series of an instant vector. */
    public record Sample(Map<String, String> labels, double value) {}

    /** One series of a range vector: its samples' times (epoch seconds) and values, oldest first. */
    public record Series(Map<String, String> labels, double[] times, double[] values) {}

    /** The longest query sent in a URL (GET); longer ones are POSTed as a form, as Prometheus' API allows. */
    static final int MAX_GET = 4000;

    private static final Pattern CREDENTIALS = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*://)([^/@]*)@");

    static final String URL_SETTING = "AVIARY_PROMETHEUS_URL (aviary.prometheus.url)";
    static final String TOKEN_SETTING = "AVIARY_PROMETHEUS_BEARER_TOKEN (aviary.prometheus.bearer-token)";
    static final String TOKEN_FILE_SETTING = "AVIARY_PROMETHEUS_BEARER_TOKEN_FILE (aviary.prometheus.bearer-token-file)";

    private final PrometheusConfig config;
    private final Redactor redactor;
    private final String url;
    /** Why the URL cannot be used, or null; reported by every query rather than failing the application's start. */
    private final String urlProblem;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();
    private final QueryWatch watch;

    @Inject
    public PrometheusClient(PrometheusConfig config, Redactor redactor, QueryWatch watch) {
        this.config = config;
        this.redactor = redactor;
        this.watch = watch;
        String credentials = credentials(config.url());
        if (credentials != null) {
            redactor.register(credentials);
            redactor.register(credentials.substring(credentials.indexOf(':') + 1)); // the password alone
        }
        this.url = config.url().strip().replaceAll("/+$", "");
        String problem = null;
        try {
            SecretValues.url(config.url(), URL_SETTING);
        } catch (SecretException e) {
            problem = e.getMessage();
        }
        this.urlProblem = problem;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(config.timeout());
        if (url.startsWith("https")) b.sslContext(sslContext(config.tls()));
        this.http = b.build();
    }

    /** For tools and tests that build a client without CDI: secrets are redacted from its own messages only. */
    public PrometheusClient(PrometheusConfig config) {
        this(config, new Redactor());
    }

    /** For tools and tests that build a client without CDI and watch no query. */
    public PrometheusClient(PrometheusConfig config, Redactor redactor) {
        this(config, redactor, QueryWatch.NONE);
    }

    /** The query evaluated now. */
    public List<Sample> query(String promql) throws PrometheusException {
        return query(promql, null);
    }

    /** The query evaluated at {@code at} (Prometheus' {@code time} parameter), or now when null. */
    public List<Sample> query(String promql, Instant at) throws PrometheusException {
        return watched(() -> samples(send(promql, at), promql));
    }

    /** A range-vector selector ({@code metric{...}[1m]}) evaluated at {@code at}: every raw sample, with its time. */
    public List<Series> range(String promql, Instant at) throws PrometheusException {
        return watched(() -> series(send(promql, at), promql));
    }

    private interface Call<T> {
        T call() throws PrometheusException;
    }

    private <T> T watched(Call<T> call) throws PrometheusException {
        long start = System.nanoTime();
        QueryWatch.Failure failure = QueryWatch.Failure.UNAVAILABLE;
        try {
            T answer = call.call();
            failure = null;
            return answer;
        } catch (PrometheusException.BadQuery e) {
            failure = QueryWatch.Failure.BAD_QUERY;
            throw e;
        } catch (PrometheusException.Misconfigured e) {
            failure = QueryWatch.Failure.MISCONFIGURED;
            throw e;
        } finally {
            watch.queried((System.nanoTime() - start) / 1e9, failure);
        }
    }

    private Answer send(String promql, Instant at) throws PrometheusException {
        if (urlProblem != null) throw new PrometheusException.Misconfigured(urlProblem);
        String form = "query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)
                + (at == null ? "" : "&time=" + at.getEpochSecond() + "." + String.format("%03d", at.getNano() / 1_000_000));
        // a batch narrowed to a replica's thousand services is longer than proxies let a URL be: sent as a form then
        HttpRequest.Builder req = form.length() <= MAX_GET ? HttpRequest.newBuilder(URI.create(this.url + "/api/v1/query?" + form)).GET()
                : HttpRequest.newBuilder(URI.create(this.url + "/api/v1/query")).header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form));
        req.timeout(config.timeout());
        String token = token();
        if (token != null) req.header("Authorization", "Bearer " + token);
        HttpResponse<String> resp;
        try {
            // non-blocking underneath; the wait is bounded even should the request timeout not fire (e.g. a stalled connect)
            resp = http.sendAsync(req.build(), HttpResponse.BodyHandlers.ofString())
                    .get(config.timeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new PrometheusException(redactor.redact("Prometheus at " + shown(this.url) + " did not answer: "
                    + cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : " " + cause.getMessage())), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PrometheusException("interrupted while querying Prometheus", e);
        }
        return new Answer(resp.statusCode(), resp.body());
    }

    private record Answer(int status, String body) {}

    private List<Sample> samples(Answer a, String promql) throws PrometheusException {
        return parse(a.status(), a.body(), promql);
    }

    private List<Series> series(Answer a, String promql) throws PrometheusException {
        JsonNode data = data(a.status(), a.body(), promql);
        if (!"matrix".equals(data.path("resultType").asText())) {
            throw new PrometheusException.BadQuery("Prometheus answered " + promql + " with a " + data.path("resultType").asText()
                    + ", not a range vector");
        }
        List<Series> out = new ArrayList<>();
        for (JsonNode series : data.path("result")) {
            JsonNode values = series.path("values");
            double[] times = new double[values.size()], v = new double[values.size()];
            for (int i = 0; i < values.size(); i++) {
                times[i] = values.path(i).path(0).asDouble();
                v[i] = number(values.path(i).path(1).asText());
            }
            out.add(new Series(labels(series), times, v));
        }
        return out;
    }

    private static Map<String, String> labels(JsonNode series) {
        Map<String, String> labels = new HashMap<>();
        series.path("metric").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        return Map.copyOf(labels);
    }

    /** Prometheus encodes values as strings, including "NaN" and "+Inf". */
    private static double number(String text) {
        return Double.parseDouble(text.replace("+Inf", "Infinity"));
    }

    List<Sample> parse(int status, String body, String promql) throws PrometheusException {
        JsonNode data = data(status, body, promql);
        List<Sample> out = new ArrayList<>();
        if ("scalar".equals(data.path("resultType").asText())) {
            out.add(new Sample(Map.of(), Double.parseDouble(data.path("result").path(1).asText())));
            return out;
        }
        for (JsonNode series : data.path("result")) out.add(new Sample(labels(series), number(series.path("value").path(1).asText())));
        return out;
    }

    private JsonNode data(int status, String body, String promql) throws PrometheusException {
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
        return root.path("data");
    }

    /** The URL as messages may show it: without user:password, should anyone put them there. */
    static String shown(String url) {
        return CREDENTIALS.matcher(url).replaceFirst("$1");
    }

    /** The user:password part of a URL, should anyone put it there (a secret like any other), or null. */
    private static String credentials(String url) {
        Matcher m = CREDENTIALS.matcher(url.strip());
        return m.find() ? m.group(2) : null;
    }

    /** The token, re-read on every request (a rotated file is picked up), registered with the redactor, then checked. */
    private String token() throws PrometheusException {
        if (config.bearerTokenFile().isPresent() && !config.bearerTokenFile().get().isBlank()) {
            String file = config.bearerTokenFile().get().strip();
            String raw;
            try {
                raw = Files.readString(Path.of(file));
            } catch (IOException | InvalidPathException e) {
                throw new PrometheusException.Misconfigured("cannot read the Prometheus bearer token file " + file + " named by "
                        + TOKEN_FILE_SETTING + ": " + (e instanceof NoSuchFileException ? "no such file" : e.getClass().getSimpleName()));
            }
            return checked(raw, "the bearer token file " + file + " named by " + TOKEN_FILE_SETTING);
        }
        String raw = config.bearerToken().orElse("");
        return raw.isBlank() ? null : checked(raw, TOKEN_SETTING);
    }

    private String checked(String raw, String origin) throws PrometheusException {
        redactor.register(raw);
        try {
            return SecretValues.token(raw, origin);
        } catch (SecretException e) {
            throw new PrometheusException.Misconfigured(e.getMessage());
        }
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
