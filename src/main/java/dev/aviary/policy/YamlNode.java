package dev.aviary.policy;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document as a small tree that remembers where every node and key starts, so validation messages can
 * point at the offending line and column (Jackson's own JsonNode forgets locations).
 */
sealed interface YamlNode permits YamlNode.Mapping, YamlNode.Sequence, YamlNode.Scalar {

    /** 1-based position in the file. */
    record Pos(int line, int column) {
        static final Pos START = new Pos(1, 1);
    }

    Pos pos();

    /** A human word for the node's kind, for "expected a list, found a mapping". */
    String kindName();

    record Entry(String key, Pos keyPos, YamlNode value) {}

    record Mapping(Pos pos, Map<String, Entry> entries) implements YamlNode {
        public Mapping {
            entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }

        @Override
        public String kindName() {
            return "a mapping";
        }
    }

    record Sequence(Pos pos, List<YamlNode> items) implements YamlNode {
        public Sequence {
            items = List.copyOf(items);
        }

        @Override
        public String kindName() {
            return "a list";
        }
    }

    /** A scalar with the type YAML resolved for it: a quoted "30" is a string, a bare 30 a number. */
    record Scalar(Pos pos, JsonToken token, String text) implements YamlNode {
        boolean isNull() {
            return token == JsonToken.VALUE_NULL;
        }

        boolean isString() {
            return token == JsonToken.VALUE_STRING;
        }

        boolean isNumber() {
            return token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT;
        }

        boolean isInteger() {
            return token == JsonToken.VALUE_NUMBER_INT;
        }

        boolean isBoolean() {
            return token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE;
        }

        @Override
        public String kindName() {
            if (isNull()) return "an empty value";
            if (isNumber()) return "the number " + text;
            if (isBoolean()) return "the boolean " + text;
            return "the text \"" + text + "\"";
        }
    }

    /** Thrown when the text is not YAML, or uses YAML features a policy does not allow. */
    final class SyntaxError extends Exception {
        final List<Pos> positions;
        final List<String> messages;

        SyntaxError(List<Pos> positions, List<String> messages) {
            super(String.join("; ", messages));
            this.positions = List.copyOf(positions);
            this.messages = List.copyOf(messages);
        }

        SyntaxError(Pos pos, String message) {
            this(List.of(pos), List.of(message));
        }
    }

    /**
     * Reads one YAML document. Returns null for an empty document (only comments or nothing). Duplicate keys
     * and aliases are errors: YAML itself lets a later key win silently, which hides mistakes, and Jackson
     * does not resolve aliases.
     */
    static YamlNode parse(String text) throws SyntaxError {
        try (JsonParser parser = new YAMLFactory().createParser(text)) {
            Reader reader = new Reader((YAMLParser) parser);
            JsonToken first = parser.nextToken();
            if (first == null) {
                return null;
            }
            YamlNode root = reader.node(first);
            JsonToken more = parser.nextToken();
            if (more != null) {
                reader.problem(pos(parser), "a policy file holds one policy, but a second YAML document (after ---) "
                        + "starts here; put each policy in its own file");
            }
            if (!reader.messages.isEmpty()) {
                throw new SyntaxError(reader.positions, reader.messages);
            }
            return root;
        } catch (JsonProcessingException e) {
            throw syntaxError(e);
        } catch (IOException e) {
            throw new SyntaxError(Pos.START, "cannot read the YAML: " + e.getMessage());
        }
    }

    private static SyntaxError syntaxError(JsonProcessingException e) {
        // SnakeYAML knows where the problem is (problemMark) better than Jackson's location, which is often the
        // start of the enclosing construct.
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MarkedYAMLException m && m.getProblemMark() != null) {
                Mark mark = m.getProblemMark();
                String problem = m.getProblem() == null ? "invalid YAML" : m.getProblem();
                String context = m.getContext() == null ? "" : " (" + m.getContext() + ")";
                return new SyntaxError(new Pos(mark.getLine() + 1, mark.getColumn() + 1),
                        "invalid YAML: " + problem.replace('\n', ' ').trim() + context.replace('\n', ' '));
            }
        }
        JsonLocation loc = e.getLocation();
        Pos pos = loc == null ? Pos.START : new Pos(Math.max(1, loc.getLineNr()), Math.max(1, loc.getColumnNr()));
        return new SyntaxError(pos, "invalid YAML: " + e.getOriginalMessage().replace('\n', ' ').trim());
    }

    private static Pos pos(JsonParser parser) {
        JsonLocation loc = parser.currentTokenLocation();
        return new Pos(Math.max(1, loc.getLineNr()), Math.max(1, loc.getColumnNr()));
    }

    /** Builds the tree from Jackson's token stream, collecting (not throwing) duplicate-key and alias problems. */
    final class Reader {
        private final YAMLParser parser;
        private final List<Pos> positions = new ArrayList<>();
        private final List<String> messages = new ArrayList<>();

        private Reader(YAMLParser parser) {
            this.parser = parser;
        }

        private void problem(Pos pos, String message) {
            positions.add(pos);
            messages.add(message);
        }

        private YamlNode node(JsonToken token) throws IOException {
            Pos start = pos(parser);
            switch (token) {
                case START_OBJECT -> {
                    Map<String, Entry> entries = new LinkedHashMap<>();
                    for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
                        String key = parser.currentName();
                        Pos keyPos = pos(parser);
                        YamlNode value = node(parser.nextToken());
                        Entry previous = entries.get(key);
                        if (previous != null) {
                            problem(keyPos, "duplicate key \"" + key + "\" (first at line " + previous.keyPos().line()
                                    + "); YAML would silently keep only the last one, so remove one of them");
                        } else {
                            entries.put(key, new Entry(key, keyPos, value));
                        }
                    }
                    return new Mapping(start, entries);
                }
                case START_ARRAY -> {
                    List<YamlNode> items = new ArrayList<>();
                    for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                        items.add(node(t));
                    }
                    return new Sequence(start, items);
                }
                default -> {
                    if (parser.isCurrentAlias()) {
                        problem(start, "YAML aliases (*" + parser.getText() + ") are not supported in policies; "
                                + "write the value out");
                    }
                    return new Scalar(start, token, parser.getText());
                }
            }
        }
    }
}
