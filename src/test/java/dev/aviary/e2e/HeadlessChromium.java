package dev.aviary.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * Debian's headless Chromium, driven through chromedriver's W3C WebDriver protocol with the JDK's HttpClient (no
 * Selenium): open a page, run a script in it, type, click, take a screenshot. Fails at once, in one line, when Chromium
 * or chromedriver is not installed: CI installs them, and a test that cannot run must not pass.
 */
final class HeadlessChromium implements AutoCloseable {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** The W3C key of an element reference in WebDriver answers. */
    private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final Process driver;
    private final String base;
    private final String session;

    private HeadlessChromium(Process driver, String base, Path profile) {
        this.driver = driver;
        this.base = base;
        ObjectNode options = json.createObjectNode();
        options.put("binary", CHROMIUM.toString());
        options.putPOJO("args", List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile, "--window-size=1400,1000"));
        ObjectNode body = json.createObjectNode();
        body.putObject("capabilities").putObject("alwaysMatch").set("goog:chromeOptions", options);
        this.session = send("POST", "/session", body).path("sessionId").asText();
    }

    /** Starts chromedriver on a free port and a fresh Chromium profile under {@code work}. */
    static HeadlessChromium start(Path work) throws IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            fail("headless Chromium is needed for this test: sudo apt-get install -y --no-install-recommends chromium chromium-driver");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.createDirectories(work);
        Process driver = new ProcessBuilder(CHROMEDRIVER.toString(), "--port=" + port)
                .redirectErrorStream(true).redirectOutput(work.resolve("chromedriver.log").toFile()).start();
        String base = "http://127.0.0.1:" + port;
        Instant deadline = Instant.now().plusSeconds(20);
        HttpClient probe = HttpClient.newHttpClient();
        while (true) {
            try {
                if (probe.send(HttpRequest.newBuilder(URI.create(base + "/status")).build(), HttpResponse.BodyHandlers.ofString())
                        .body().contains("\"ready\":true")) break;
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            if (Instant.now().isAfter(deadline) || !driver.isAlive()) {
                driver.destroy();
                fail("chromedriver did not start within 20 s; see " + work.resolve("chromedriver.log"));
            }
            sleep(100);
        }
        try {
            return new HeadlessChromium(driver, base, Files.createTempDirectory(work, "profile"));
        } catch (RuntimeException e) {
            driver.destroy();
            throw e;
        }
    }

    void open(String url) {
        send("POST", path("/url"), json.createObjectNode().put("url", url));
    }

    /** Runs {@code script} (a function body: {@code return ...}) in the page; its value as JSON. */
    JsonNode script(String script, Object... args) {
        ObjectNode body = json.createObjectNode().put("script", script);
        body.putPOJO("args", List.of(args));
        return send("POST", path("/execute/sync"), body);
    }

    /** Waits until {@code condition} (a JavaScript expression) is true in the page. */
    void await(String condition, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (!script("return !!(" + condition + ");").asBoolean()) {
            if (Instant.now().isAfter(deadline)) fail("the page did not show, within " + timeout.toSeconds() + " s: " + condition);
            sleep(250);
        }
    }

    /** Types into the element {@code css} as a person would (key events). */
    void type(String css, String text) {
        send("POST", path("/element/" + element(css) + "/value"), json.createObjectNode().put("text", text));
    }

    /** Clicks the element {@code css} as a person would (scrolled into view, pointer events). */
    void click(String css) {
        send("POST", path("/element/" + element(css) + "/click"), json.createObjectNode());
    }

    /** Accepts the open confirm() dialog. */
    void acceptDialog() {
        send("POST", path("/alert/accept"), json.createObjectNode());
    }

    /** A PNG of the whole page (the window is stretched to the page's height, at most {@code maxHeight}). */
    void screenshot(Path png, int maxHeight) throws IOException {
        int height = Math.min(maxHeight, script("return document.documentElement.scrollHeight;").asInt() + 20);
        send("POST", path("/window/rect"), json.createObjectNode().put("width", 1400).put("height", height));
        script("window.scrollTo(0, 0);");
        Files.write(png, Base64.getDecoder().decode(send("GET", path("/screenshot"), null).asText()));
    }

    /** A PNG of the element {@code css} alone, at full resolution. */
    void screenshot(Path png, String css) throws IOException {
        Files.write(png, Base64.getDecoder().decode(send("GET", path("/element/" + element(css) + "/screenshot"), null).asText()));
    }

    private String element(String css) {
        JsonNode found = send("POST", path("/element"), json.createObjectNode().put("using", "css selector").put("value", css));
        return found.path(ELEMENT).asText();
    }

    private String path(String rest) {
        return "/session/" + session + rest;
    }

    /** One WebDriver command; its {@code value}, or a failure with the driver's own words. */
    private JsonNode send(String method, String path, JsonNode body) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json");
        r.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.toString()));
        try {
            HttpResponse<String> answer = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode value = json.readTree(answer.body()).path("value");
            if (answer.statusCode() != 200) fail("WebDriver " + method + " " + path + ": " + value.path("message").asText(answer.body()));
            return value;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        try {
            send("DELETE", "/session/" + session, null);
        } finally {
            driver.destroy();
        }
    }
}
