package dev.aviary.shadow;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Reads stored requests: a {@code .json} file (one payload, or an array of them), a {@code .jsonl} file (one payload
 * per line; blank lines skipped), a directory of such files (in name order), or a ConfigMap's data (each key a file
 * name). A file that is not valid JSON is refused with its name and line, so a policy naming it does not load.
 */
public final class Payloads {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Payloads() {
    }

    /** A payload source that cannot be read: the message is "file:line: what is wrong", one line. */
    public static final class PayloadException extends Exception {
        public PayloadException(String message) {
            super(message, null, false, false);
        }
    }

    /** Every payload in {@code path}, a file or a directory. */
    public static List<Payload> load(Path path) throws PayloadException {
        if (Files.isDirectory(path)) {
            Map<String, String> files = new TreeMap<>();
            try (Stream<Path> list = Files.list(path)) {
                for (Path p : list.filter(Payloads::isPayloadFile).toList()) files.put(p.toString(), read(p));
            } catch (IOException e) {
                throw new PayloadException(path + ": cannot list the directory (" + e.getClass().getSimpleName() + ")");
            }
            if (files.isEmpty()) throw new PayloadException(path + ": no .json or .jsonl files in the directory");
            return parse(files);
        }
        if (!Files.isRegularFile(path)) throw new PayloadException(path + ": no such file or directory");
        return parse(Map.of(path.toString(), read(path)));
    }

    /** Every payload in {@code files} (name to content, e.g. a ConfigMap's data), in name order. */
    public static List<Payload> parse(Map<String, String> files) throws PayloadException {
        List<Payload> all = new ArrayList<>();
        for (Map.Entry<String, String> f : new TreeMap<>(files).entrySet()) {
            if (f.getKey().endsWith(".jsonl")) lines(f.getKey(), f.getValue(), all);
            else document(f.getKey(), f.getValue(), all);
        }
        if (all.isEmpty()) throw new PayloadException(String.join(", ", new TreeMap<>(files).keySet()) + ": no payloads");
        return List.copyOf(all);
    }

    private static boolean isPayloadFile(Path p) {
        String n = p.getFileName().toString();
        return Files.isRegularFile(p) && (n.endsWith(".json") || n.endsWith(".jsonl"));
    }

    private static String read(Path p) throws PayloadException {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new PayloadException(p + ": cannot read (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static void lines(String file, String text, List<Payload> into) throws PayloadException {
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) continue;
            try (JsonParser p = JSON.createParser(lines[i])) {
                JsonNode node = JSON.readTree(p);
                if (p.nextToken() != null) throw new PayloadException(file + ":" + (i + 1) + ": more than one JSON value on the line");
                into.add(new Payload(file + ":" + (i + 1), node));
            } catch (JsonProcessingException e) {
                throw new PayloadException(file + ":" + (i + 1) + ": not valid JSON: " + reason(e));
            } catch (IOException e) {
                throw new PayloadException(file + ":" + (i + 1) + ": cannot read (" + e.getClass().getSimpleName() + ")");
            }
        }
    }

    /** A whole-file JSON document: one payload, or an array whose elements are payloads. */
    private static void document(String file, String text, List<Payload> into) throws PayloadException {
        try (JsonParser p = JSON.createParser(text)) {
            JsonToken first = p.nextToken();
            if (first == null) throw new PayloadException(file + ":1: empty file; write one JSON payload or an array of them");
            if (first == JsonToken.START_ARRAY) {
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    int line = p.currentTokenLocation().getLineNr();
                    if (p.currentToken() == null) throw new PayloadException(file + ":" + line + ": the array is not closed");
                    into.add(new Payload(file + ":" + line, JSON.readTree(p)));
                }
            } else {
                into.add(new Payload(file + ":" + p.currentTokenLocation().getLineNr(), JSON.readTree(p)));
            }
            if (p.nextToken() != null) {
                throw new PayloadException(file + ":" + p.currentTokenLocation().getLineNr()
                        + ": more after the JSON value; use .jsonl for one payload per line");
            }
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new PayloadException(file + ":" + (at == null ? 1 : at.getLineNr()) + ": not valid JSON: " + reason(e));
        } catch (IOException e) {
            throw new PayloadException(file + ": cannot read (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Jackson's message without its location suffix and source excerpt. */
    private static String reason(JsonProcessingException e) {
        String m = e.getOriginalMessage();
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).trim();
    }
}
