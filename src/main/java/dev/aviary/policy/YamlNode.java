package dev.aviary.policy;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

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

    /**
     * A scalar with the type YAML resolved for it: a quoted "30" is a string, a bare 30 a number.
     *
     * @param tag    the explicit YAML tag as written ({@code !!str}), or null when there was none
     * @param quoted whether the value was written in quotes ("30" rather than 30)
     */
    record Scalar(Pos pos, JsonToken token, String text, String tag, boolean quoted) implements YamlNode {
        Scalar(Pos pos, JsonToken token, String text) {
            this(pos, token, text, null, false);
        }

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
            if (isNumber()) return "the number " + OneLine.truncate(text, OneLine.MAX_QUOTED);
            if (isBoolean()) return "the boolean " + text;
            return "the text " + OneLine.quote(text);
        }
    }

    /** Thrown when the text is not YAML, or uses YAML features a policy does not allow. */
    final class SyntaxError extends Exception {
        final transient ProblemList problems;

        SyntaxError(ProblemList problems) {
            super(problems.count() + " YAML problems", null, false, false);
            this.problems = problems;
        }

        SyntaxError(Pos pos, String message) {
            this(single(pos, message));
        }

        private static ProblemList single(Pos pos, String message) {
            ProblemList p = new ProblemList();
            p.add(pos, "", message);
            return p;
        }
    }

    /**
     * Deeper than any policy goes (spec.steps[0].headerRoute is five levels); a limit far below Jackson's own
     * keeps a hostile file cheap to refuse.
     */
    int MAX_DEPTH = 32;

    /** The tags of YAML's core schema; any other tag (!!binary, !!python/object, !custom) is refused. */
    Set<String> CORE_TAGS = Set.of("str", "int", "float", "bool", "null", "map", "seq");

    /**
     * Reads one YAML document. Returns null for an empty document (only comments or nothing). Duplicate keys,
     * aliases, merge keys and tags outside the core schema are errors: YAML itself lets a later key win silently,
     * which hides mistakes, and Jackson resolves neither aliases nor merge keys. At most
     * {@value ProblemList#MAX_REPORTED} of them are kept, however many the text holds.
     */
    static YamlNode parse(String text) throws SyntaxError {
        try (JsonParser parser = factory().createParser(text)) {
            Reader reader = new Reader((YAMLParser) parser, text);
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
            if (!reader.problems.isEmpty()) {
                throw new SyntaxError(reader.problems);
            }
            return root;
        } catch (JsonProcessingException e) {
            throw syntaxError(e);
        } catch (YAMLException e) {
            // SnakeYAML's own limits (code points, aliases) surface unwrapped
            throw new SyntaxError(Pos.START, "invalid YAML: " + withoutClassNames(String.valueOf(e.getMessage())));
        } catch (IOException e) {
            throw new SyntaxError(Pos.START, "cannot read the YAML: " + withoutClassNames(String.valueOf(e.getMessage())));
        }
    }

    /** A YAML reader with limits that refuse a hostile file early, whatever the size check before it let through. */
    private static YAMLFactory factory() {
        LoaderOptions limits = new LoaderOptions();
        limits.setCodePointLimit(PolicyLoader.MAX_BYTES);
        limits.setNestingDepthLimit(MAX_DEPTH);
        limits.setMaxAliasesForCollections(10); // aliases are refused anyway; this bounds any composer that reads them
        limits.setAllowRecursiveKeys(false);
        limits.setAllowDuplicateKeys(true); // the Reader reports duplicates itself, with both positions
        return YAMLFactory.builder()
                .loaderOptions(limits)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_DEPTH)
                        .maxStringLength(PolicyLoader.MAX_BYTES)
                        .maxNumberLength(1000)
                        .build())
                .build();
    }

    private static SyntaxError syntaxError(JsonProcessingException e) {
        if (e instanceof StreamConstraintsException) {
            String m = String.valueOf(e.getOriginalMessage());
            return new SyntaxError(location(e), m.contains("nesting depth")
                    ? "the YAML is nested more than " + MAX_DEPTH + " levels deep; a policy needs only a few levels"
                    : "the YAML exceeds a size limit for policies: " + withoutClassNames(m));
        }
        // SnakeYAML knows where the problem is (problemMark) better than Jackson's location, which is often the
        // start of the enclosing construct.
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MarkedYAMLException m && m.getProblemMark() != null) {
                Mark mark = m.getProblemMark();
                String problem = m.getProblem() == null ? "invalid YAML" : m.getProblem();
                String context = m.getContext() == null ? "" : " (" + m.getContext() + ")";
                return new SyntaxError(new Pos(mark.getLine() + 1, mark.getColumn() + 1),
                        "invalid YAML: " + withoutClassNames(problem.trim() + context));
            }
        }
        String message = String.valueOf(e.getOriginalMessage());
        if (message.contains("base64")) {
            // Jackson decodes !!binary as it reads; its complaint is about its own configuration
            return new SyntaxError(location(e), "a !!binary value that is not valid base64; policies hold no binary "
                    + "values, so remove the !!binary tag");
        }
        if (message.startsWith("Expected a field name")) {
            // Jackson's words for "? [a, b]: 1", naming SnakeYAML's event classes
            return new SyntaxError(location(e), "a key must be a plain name, not a list or a mapping (YAML complex "
                    + "keys, written with ?, are not supported in policies)");
        }
        return new SyntaxError(location(e), "invalid YAML: " + withoutClassNames(message.trim()));
    }

    private static Pos location(JsonProcessingException e) {
        JsonLocation loc = e.getLocation();
        return loc == null ? Pos.START : new Pos(Math.max(1, loc.getLineNr()), Math.max(1, loc.getColumnNr()));
    }

    /** Parser messages sometimes quote Java objects ({@code <org.yaml.snakeyaml.events.X(...)>}); people need none. */
    private static String withoutClassNames(String message) {
        return CLASS_NAMES.matcher(message).replaceAll("");
    }

    Pattern CLASS_NAMES = Pattern.compile("\\s*(<?(?:org|com|java|javax)\\.[\\w.$]+(?:\\([^)]{0,500}\\))?>?|"
            + "\\(from `[^`]{0,200}`\\))");

    private static Pos pos(JsonParser parser) {
        JsonLocation loc = parser.currentTokenLocation();
        return new Pos(Math.max(1, loc.getLineNr()), Math.max(1, loc.getColumnNr()));
    }

    /**
     * Builds the tree from Jackson's token stream, collecting (not throwing) duplicate-key, alias, merge-key and
     * tag problems.
     */
    final class Reader {
        private final YAMLParser parser;
        private final String text;
        private final ProblemList problems = new ProblemList();

        private Reader(YAMLParser parser, String text) {
            this.parser = parser;
            this.text = text;
        }

        private void problem(Pos pos, String message) {
            problems.add(pos, "", message);
        }

        private YamlNode node(JsonToken token) throws IOException {
            Pos start = pos(parser);
            String tag = tag(start);
            switch (token) {
                case START_OBJECT -> {
                    Map<String, Entry> entries = new LinkedHashMap<>();
                    for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
                        String key = parser.currentName();
                        Pos keyPos = pos(parser);
                        if ("<<".equals(key)) {
                            problem(keyPos, "YAML merge keys (<<) are not supported in policies; write the fields out");
                        }
                        YamlNode value = node(parser.nextToken());
                        Entry previous = entries.get(key);
                        if (previous != null) {
                            problem(keyPos, "duplicate key " + OneLine.quote(key) + " (first at line "
                                    + previous.keyPos().line() + "); YAML would silently keep only the last one, so "
                                    + "remove one of them");
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
                        problem(start, "YAML aliases (*" + OneLine.escape(OneLine.truncate(parser.getText(), 40))
                                + ") are not supported in policies; write the value out");
                    }
                    return new Scalar(start, token, parser.getText(), tag, quoted());
                }
            }
        }

        /** Whether the current scalar starts with a quote (Jackson does not expose the scalar's style). */
        private boolean quoted() {
            long at = parser.currentTokenLocation().getCharOffset();
            return at >= 0 && at < text.length() && (text.charAt((int) at) == '"' || text.charAt((int) at) == '\'');
        }

        /** The node's explicit tag as written (!!str, !foo); a tag outside YAML's core schema is a problem. */
        private String tag(Pos at) throws IOException {
            String id = parser.getTypeId();
            if (id == null || id.isEmpty()) return null;
            String core = id.startsWith("tag:yaml.org,2002:") ? id.substring("tag:yaml.org,2002:".length()) : null;
            String written = core != null ? "!!" + core : id.startsWith("!") ? id : "!" + id;
            written = OneLine.escape(OneLine.truncate(written, 40));
            if (core == null || !CORE_TAGS.contains(core)) {
                problem(at, "YAML tag " + written + " is not supported in policies; remove it");
            }
            return written;
        }
    }
}
