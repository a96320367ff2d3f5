package dev.aviary.policy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads and validates CanaryPolicy files. Immutable and thread-safe; every call reports all problems of the
 * file at once (up to {@value ProblemList#MAX_REPORTED}), each with the line and column of the offending node.
 * Whatever the input, the outcome is a {@link Policy} or a {@link PolicyException}: never another exception.
 * Not final only so a test can stand in a loader that fails, to prove its callers survive one.
 */
public class PolicyLoader {

    /** A policy is a few KiB; anything past this is the wrong file, or an attack, and is refused before parsing. */
    public static final int MAX_BYTES = 256 * 1024;

    private final CheckReader checks;

    /** A loader that knows the check types the application ships (see {@link CheckReader#installed()}). */
    public PolicyLoader() {
        this(CheckReader.installed());
    }

    /** A loader that reads checks with {@code checks} (the daemon's registry, or one a test extends). */
    public PolicyLoader(CheckReader checks) {
        this.checks = checks;
    }

    /** Reads {@code file} (UTF-8) and validates it; the policy's hash is the SHA-256 of the file's bytes. */
    public Policy load(Path file) throws PolicyException {
        return parse(read(file), file);
    }

    /** Validates policy text; {@code sourceForMessages} names it in problems and becomes {@link Policy#source()}. */
    public Policy parse(String yaml, Path sourceForMessages) throws PolicyException {
        if (yaml.length() > MAX_BYTES) {
            throw tooLarge(sourceForMessages, yaml.length());
        }
        return parse(yaml.getBytes(StandardCharsets.UTF_8), sourceForMessages);
    }

    /**
     * The file's bytes, refused before reading when the file is larger than {@link #MAX_BYTES} (or grows past it
     * while being read).
     */
    static byte[] read(Path file) throws PolicyException {
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) throw tooLarge(file, size);
            try (InputStream in = Files.newInputStream(file)) {
                byte[] bytes = in.readNBytes(MAX_BYTES + 1);
                if (bytes.length > MAX_BYTES) throw tooLarge(file, bytes.length);
                return bytes;
            }
        } catch (IOException e) {
            throw new PolicyException(List.of(new Problem(file, 0, 0, "", "cannot read the file: " + describe(e))));
        }
    }

    private static PolicyException tooLarge(Path file, long size) {
        return new PolicyException(List.of(new Problem(file, 0, 0, "", "the file is " + kib(size) + "; a policy "
                + "file may be at most " + kib(MAX_BYTES) + " (a policy is usually a few KiB), so this is not read")));
    }

    private static String kib(long bytes) {
        return bytes >= 1024 * 1024 ? String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024))
                : bytes >= 1024 ? (bytes / 1024) + " KiB" : bytes + " bytes";
    }

    /**
     * Validates the bytes. Belt and braces: an exception the validator did not expect becomes a problem for this
     * file (saying it is Aviary's fault) rather than escaping to the caller, who may be reloading other files.
     */
    Policy parse(byte[] bytes, Path file) throws PolicyException {
        try {
            return parseBytes(bytes, file);
        } catch (RuntimeException | StackOverflowError e) {
            throw new PolicyException(List.of(new Problem(file, 0, 0, "", internalError(e))));
        }
    }

    /** What a problem says when validation itself failed; tests look for it to catch such failures. */
    static String internalError(Throwable e) {
        return "Aviary could not validate this file (internal error: " + e.getClass().getSimpleName()
                + "); please report it with the file";
    }

    private Policy parseBytes(byte[] bytes, Path file) throws PolicyException {
        if (bytes.length > MAX_BYTES) {
            throw tooLarge(file, bytes.length);
        }
        String text = utf8(bytes, file);
        YamlNode root;
        try {
            root = YamlNode.parse(text);
        } catch (YamlNode.SyntaxError e) {
            throw e.problems.toException(file);
        }
        PolicyValidator validator = new PolicyValidator(file, checks);
        Policy policy = validator.validate(root, sha256(bytes));
        if (policy == null) {
            throw validator.rejection();
        }
        return policy;
    }

    /** The text, or a problem pointing at the first byte that is not UTF-8 (a stray Latin-1 é, a binary file). */
    private static String utf8(byte[] bytes, Path file) throws PolicyException {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(in, out, true);
        if (!result.isError()) {
            return out.flip().toString();
        }
        int bad = in.position();
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < bad; i++) {
            if (bytes[i] == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        int column = 1;
        for (int i = lineStart; i < bad; i++) {
            if ((bytes[i] & 0xC0) != 0x80) column++; // count characters, not continuation bytes
        }
        throw new PolicyException(List.of(new Problem(file, line, column, "", String.format(
                "the file is not UTF-8 text (byte 0x%02X here); save it as UTF-8", bytes[bad] & 0xFF))));
    }

    /**
     * Where metadata.name's value is in a valid policy's bytes, for messages about clashes between files;
     * 1:1 when it cannot be found.
     */
    static YamlNode.Pos namePosition(byte[] bytes) {
        if (bytes.length > MAX_BYTES) return YamlNode.Pos.START;
        try {
            if (YamlNode.parse(new String(bytes, StandardCharsets.UTF_8)) instanceof YamlNode.Mapping root
                    && root.entries().get("metadata") != null
                    && root.entries().get("metadata").value() instanceof YamlNode.Mapping metadata
                    && metadata.entries().get("name") != null) {
                return metadata.entries().get("name").value().pos();
            }
        } catch (YamlNode.SyntaxError e) {
            // a valid policy parsed a moment ago; fall through
        }
        return YamlNode.Pos.START;
    }

    /** Hex SHA-256, the form {@link Policy#hash()} takes. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static String describe(IOException e) {
        return e instanceof java.nio.file.NoSuchFileException ? "no such file"
                : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
