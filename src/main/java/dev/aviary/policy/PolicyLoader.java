package dev.aviary.policy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads and validates CanaryPolicy files. Stateless and thread-safe; every call reports all problems of the
 * file at once, each with the line and column of the offending node.
 */
public final class PolicyLoader {

    /** Reads {@code file} (UTF-8) and validates it; the policy's hash is the SHA-256 of the file's bytes. */
    public Policy load(Path file) throws PolicyException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new PolicyException(List.of(new Problem(file, 0, 0, "", "cannot read the file: " + describe(e))));
        }
        return parse(bytes, file);
    }

    /** Validates policy text; {@code sourceForMessages} names it in problems and becomes {@link Policy#source()}. */
    public Policy parse(String yaml, Path sourceForMessages) throws PolicyException {
        return parse(yaml.getBytes(StandardCharsets.UTF_8), yaml, sourceForMessages);
    }

    Policy parse(byte[] bytes, Path file) throws PolicyException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new PolicyException(List.of(new Problem(file, 0, 0, "", "the file is not UTF-8 text")));
        }
        return parse(bytes, text, file);
    }

    private Policy parse(byte[] bytes, String text, Path file) throws PolicyException {
        YamlNode root;
        try {
            root = YamlNode.parse(text);
        } catch (YamlNode.SyntaxError e) {
            List<Problem> problems = new ArrayList<>();
            for (int i = 0; i < e.messages.size(); i++) {
                YamlNode.Pos pos = e.positions.get(i);
                problems.add(new Problem(file, pos.line(), pos.column(), "", e.messages.get(i)));
            }
            throw new PolicyException(problems);
        }
        PolicyValidator validator = new PolicyValidator(file);
        Policy policy = validator.validate(root, sha256(bytes));
        if (policy == null) {
            throw new PolicyException(validator.problems());
        }
        return policy;
    }

    /**
     * Where metadata.name's value is in a valid policy's bytes, for messages about clashes between files;
     * 1:1 when it cannot be found.
     */
    static YamlNode.Pos namePosition(byte[] bytes) {
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
