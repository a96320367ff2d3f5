package dev.aviary.policy;

import java.nio.file.Path;

/**
 * One thing wrong with a policy file, pointing at the offending YAML node.
 *
 * @param file   the file as it was named to the loader (relative paths stay relative, so messages stay short)
 * @param line   1-based line of the offending node; 0 when the problem is about the file as a whole
 * @param column 1-based column of the offending node; 0 when the problem is about the file as a whole
 * @param field  the dotted path of the field, like {@code spec.steps[2].weight}; empty when there is none
 * @param message what is wrong and what to do about it
 *
 * <p>Always one line: field and message are escaped ({@link OneLine}) and cut to a sane length here, whatever the
 * caller passed, so a hostile value can neither split a message nor flood a log.
 */
public record Problem(Path file, int line, int column, String field, String message) {

    static final int MAX_FIELD = 200;
    static final int MAX_MESSAGE = 1000;

    public Problem {
        field = OneLine.escape(OneLine.truncate(field == null ? "" : field, MAX_FIELD));
        message = OneLine.escape(OneLine.truncate(message == null ? "" : message, MAX_MESSAGE));
    }

    /** Renders as {@code file:line:col: field: message}, the shape editors and CI logs link to. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        s.append(file == null ? "<policy>" : OneLine.escape(file.toString()));
        if (line > 0) {
            s.append(':').append(line).append(':').append(column);
        }
        s.append(": ");
        if (!field.isEmpty()) {
            s.append(field).append(": ");
        }
        return s.append(message).toString();
    }
}
