package dev.aviary.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * One scrape of Aviary's metrics in the Prometheus text format, parsed line by line: a line that is neither a comment
 * nor {@code name{labels} value} fails the test. {@link #promtool} has Prometheus' own checker read it too.
 */
public record Scrape(String text, List<Sample> samples) {

    public record Sample(String name, Map<String, String> labels, double value) {}

    public static Scrape parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            samples.add(sample(line));
        }
        return new Scrape(text, List.copyOf(samples));
    }

    private static Sample sample(String line) {
        int i = 0;
        while (i < line.length() && (Character.isLetterOrDigit(line.charAt(i)) || line.charAt(i) == '_' || line.charAt(i) == ':')) i++;
        String name = line.substring(0, i);
        if (name.isEmpty()) throw new AssertionError("not a sample line: " + line);
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf("=\"", i);
                if (eq < 0) throw new AssertionError("bad labels in: " + line);
                String label = line.substring(i, eq);
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char n = line.charAt(++j);
                        value.append(n == 'n' ? '\n' : n);
                    } else {
                        value.append(c);
                    }
                }
                labels.put(label, value.toString());
                i = j + 1;
                if (line.charAt(i) == ',') i++;
            }
            i++;
        }
        String[] rest = line.substring(i).trim().split(" ");
        try {
            return new Sample(name, Map.copyOf(labels), Double.parseDouble(rest[0].replace("+Inf", "Infinity")));
        } catch (NumberFormatException e) {
            throw new AssertionError("bad value in: " + line);
        }
    }

    /** Every sample name (with its _total, _bucket, _sum, _count as exposed). */
    public Set<String> names() {
        Set<String> names = new TreeSet<>();
        samples.forEach(s -> names.add(s.name()));
        return names;
    }

    /** The samples of {@code name} whose labels include the given {@code label, value} pairs. */
    public List<Sample> find(String name, String... labelPairs) {
        return samples.stream().filter(s -> s.name().equals(name) && has(s.labels(), labelPairs)).toList();
    }

    /** The one sample of {@code name} with those labels; fails when there is none or more than one. */
    public double value(String name, String... labelPairs) {
        List<Sample> found = find(name, labelPairs);
        if (found.size() != 1) throw new AssertionError(found.size() + " samples of " + name + " " + List.of(labelPairs) + " in:\n" + text);
        return found.get(0).value();
    }

    /** The sum over the samples of {@code name} with those labels (0 when there is none). */
    public double sum(String name, String... labelPairs) {
        return find(name, labelPairs).stream().mapToDouble(Sample::value).sum();
    }

    private static boolean has(Map<String, String> labels, String... pairs) {
        for (int k = 0; k < pairs.length; k += 2) {
            if (!pairs[k + 1].equals(labels.get(pairs[k]))) return false;
        }
        return true;
    }

    /** Prometheus' own checker ({@code promtool check metrics}, Debian's prometheus package) reads the scrape cleanly. */
    public void promtool() throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("promtool is missing: sudo apt-get install -y --no-install-recommends prometheus", e);
        }
        p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
        assertEquals(0, p.exitValue(), "promtool check metrics:\n" + out + "\non:\n" + text);
    }
}
