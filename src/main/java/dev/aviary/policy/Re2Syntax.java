package dev.aviary.policy;

import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Checks a header regex against the syntax both RE2 (Envoy's engine, which Istio hands the regex to) and Java
 * (which the sandbox's mesh matches with) accept and read alike. Java-only constructs would pass a Java compile
 * and then be refused by Envoy at run time, after the header step had begun; RE2-only ones would route
 * differently in the sandbox than in the cluster.
 *
 * <p>A hand-written scan rather than a full parser: it names the first construct RE2 lacks (lookaround,
 * backreferences, possessive quantifiers, atomic groups, \G, \Z, ...) and leaves plain syntax errors to Java's
 * compiler, whose description is good enough.
 */
final class Re2Syntax {

    /** Envoy refuses large regex programs anyway; a header match is a short pattern. */
    static final int MAX_LENGTH = 1000;
    /** RE2 allows nesting to 1000; a header match needs a few levels, and Java's compiler recurses per level. */
    static final int MAX_DEPTH = 50;
    /** RE2's limit on a counted repetition {n,m}. */
    static final int MAX_REPEAT = 1000;

    /** Escapes with one meaning in both engines ({@code \v}, {@code \e}, {@code \c} differ or are Java-only). */
    private static final String COMMON_ESCAPE_LETTERS = "aftnrxdDsSwWbBAzpPQ";
    /** Unicode general categories both engines know; scripts (\p{Greek}) and Java's POSIX names are not shared. */
    private static final Set<String> CATEGORIES = Set.of("C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt",
            "Lu", "M", "Mc", "Me", "Mn", "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S",
            "Sc", "Sk", "Sm", "So", "Z", "Zl", "Zp", "Zs");

    private final String re;
    private int i;

    private Re2Syntax(String re) {
        this.re = re;
    }

    /** Empty when RE2 and Java both accept {@code regex}; else what is wrong, to follow {@code regex "..." }. */
    static Optional<String> problem(String regex) {
        if (regex.length() > MAX_LENGTH) {
            return Optional.of("is " + regex.length() + " characters long; a header regex may be at most " + MAX_LENGTH);
        }
        Optional<String> re2 = new Re2Syntax(regex).scan();
        if (re2.isPresent()) return re2;
        try {
            Pattern.compile(regex);
            return Optional.empty();
        } catch (PatternSyntaxException e) {
            return Optional.of("does not compile: " + e.getDescription());
        }
    }

    private Optional<String> scan() {
        int depth = 0;
        boolean inClass = false;
        int classStart = -1;
        for (i = 0; i < re.length(); i++) {
            char c = re.charAt(i);
            if (c == '\\') {
                Optional<String> p = escape(inClass);
                if (p.isPresent()) return p;
                continue;
            }
            if (inClass) {
                if (c == ']' && i > classStart) {
                    inClass = false;
                } else if (c == '[') {
                    return has("[", i, next(1) == ':'
                            ? "a POSIX class like [:alpha:], which RE2 and Java read differently; write the characters "
                            + "out, e.g. [a-zA-Z]"
                            : "a [ inside a character class: a nested class to Java, a plain [ to RE2; write \\[");
                } else if (c == '&' && next(1) == '&') {
                    return has("&&", i, "inside a character class: an intersection to Java, two '&' to RE2; write "
                            + "\\&\\& or rewrite the class");
                }
                continue;
            }
            switch (c) {
                case '[' -> {
                    inClass = true;
                    classStart = i + 1;
                    if (next(1) == '^') classStart++;
                }
                case '(' -> {
                    if (++depth > MAX_DEPTH) {
                        return Optional.of("nests groups more than " + MAX_DEPTH + " deep");
                    }
                    if (next(1) == '?') {
                        Optional<String> p = group();
                        if (p.isPresent()) return p;
                    }
                }
                case ')' -> depth--;
                case '*', '+', '?' -> {
                    if (next(1) == '+') return possessive(re.substring(i, i + 2), i);
                }
                case '{' -> {
                    Optional<String> p = repetition();
                    if (p.isPresent()) return p;
                }
                default -> { }
            }
        }
        return Optional.empty();
    }

    /** At a backslash: steps over the escape, or says why RE2 or Java would not read it the same. */
    private Optional<String> escape(boolean inClass) {
        char e = next(1);
        if (e == 0) return Optional.of("ends with a lone \\");
        int start = i++;
        String escape = "\\" + e;
        if (e >= '0' && e <= '9') {
            return has(escape, start, "a backreference (or an octal escape), which RE2 does not support; to match a "
                    + "character by its code write \\x{41}");
        }
        if (e == 'Q') {
            int end = re.indexOf("\\E", i + 1);
            i = end < 0 ? re.length() : end + 1;
            return Optional.empty();
        }
        if (e == 'p' || e == 'P') return property(e, start);
        if (e == 'x') return Optional.empty(); // \xHH or \x{H..} in both; Java reports a malformed one
        if (!Character.isLetter(e)) {
            return e < 128 ? Optional.empty()
                    : has(escape, start, "an escaped non-ASCII character, which RE2 refuses; write it plainly");
        }
        String why = switch (e) {
            case 'k', 'g' -> "a backreference, which RE2 does not support";
            case 'G' -> "(end of the previous match), which RE2 does not support";
            case 'Z' -> "(end or before a final newline), which RE2 does not support; use \\z (end of text) or $";
            case 'v' -> "a vertical tab to RE2 but any vertical whitespace to Java; write \\x0B or [\\n\\x0B\\f\\r]";
            case 'h', 'H', 'V', 'R', 'X', 'K', 'N', 'e', 'c', 'u', 'U', 'l', 'L', 'E', 'C' ->
                    "an escape RE2 and Java do not share; write the characters out (\\x{..} for a code point)";
            default -> COMMON_ESCAPE_LETTERS.indexOf(e) >= 0 ? null : "an escape RE2 does not support";
        };
        if (why != null) return has(escape, start, why);
        if (inClass && "bBAz".indexOf(e) >= 0) {
            return has(escape, start, "inside a character class, which RE2 does not allow");
        }
        return Optional.empty();
    }

    /** At \p or \P: a one-letter or braced Unicode class both engines know. */
    private Optional<String> property(char p, int start) {
        char first = next(1);
        String name;
        if (first == '{') {
            int end = re.indexOf('}', i + 2);
            if (end < 0) return has("\\" + p + "{", start, "with no closing }");
            name = re.substring(i + 2, end);
            i = end;
        } else if (first != 0) {
            name = String.valueOf(first);
            i++;
        } else {
            return Optional.of("ends with \\" + p + " and no class name");
        }
        if (CATEGORIES.contains(name)) return Optional.empty();
        return has("\\" + p + "{" + OneLine.truncate(name, 20) + "}", start, "a class RE2 and Java do not share; use "
                + "a Unicode category like \\p{L} (letters) or \\p{Nd} (digits), or a class like [a-zA-Z]");
    }

    /** At "(?": the group forms RE2 lacks, by name; flags only i, m and s. */
    private Optional<String> group() {
        String rest = re.substring(i + 2, Math.min(re.length(), i + 4));
        String construct;
        if (rest.startsWith("=")) construct = "a lookahead (?=...)";
        else if (rest.startsWith("!")) construct = "a negative lookahead (?!...)";
        else if (rest.startsWith("<=")) construct = "a lookbehind (?<=...)";
        else if (rest.startsWith("<!")) construct = "a negative lookbehind (?<!...)";
        else if (rest.startsWith(">")) construct = "an atomic group (?>...)";
        else if (rest.startsWith("P=") || rest.startsWith("P>") || rest.startsWith("&") || rest.startsWith("R")
                || (!rest.isEmpty() && (Character.isDigit(rest.charAt(0)) || rest.charAt(0) == '+'))) {
            construct = "a backreference or recursion (?" + OneLine.escape(rest) + "...)";
        } else if (rest.startsWith("<") || rest.startsWith("P<") || rest.startsWith("'")) {
            return has("(?" + OneLine.escape(rest), i, "a named group, which Java and RE2 spell differently; a header "
                    + "match needs no names, so write a plain group (...)");
        } else if (rest.startsWith("#")) construct = "a comment (?#...)";
        else if (rest.startsWith("(")) construct = "a conditional (?(...)...)";
        else if (rest.startsWith("|")) construct = "a branch reset (?|...)";
        else return flags();
        return has(construct, i, "Istio's regex engine (RE2) does not support it");
    }

    /** At "(?flags)" or "(?flags:": RE2 and Java share i, m and s; U means different things to them. */
    private Optional<String> flags() {
        for (int j = i + 2; j < re.length(); j++) {
            char f = re.charAt(j);
            if (f == ')' || f == ':') return Optional.empty();
            if (f == 'U') {
                return has("(?U", i, "ungreedy to RE2 but Unicode classes to Java; drop it");
            }
            if ("ims-".indexOf(f) < 0) {
                return has("(?" + f, i, "a flag RE2 does not support (only i, m and s)");
            }
        }
        return Optional.of("has an unclosed (?");
    }

    /** At "{": a counted repetition's bounds must be within RE2's 1000. */
    private Optional<String> repetition() {
        int end = re.indexOf('}', i);
        if (end < 0) return Optional.empty();
        String body = re.substring(i + 1, end);
        if (!body.matches("\\d{1,9}(,\\d{0,9})?")) return Optional.empty(); // a literal {: Java decides
        for (String n : body.split(",")) {
            if (!n.isEmpty() && Integer.parseInt(n) > MAX_REPEAT) {
                return has("{" + body + "}", i, "more repetitions than RE2 allows (" + MAX_REPEAT + ")");
            }
        }
        int start = i;
        i = end;
        if (next(1) == '+') return possessive("{" + body + "}+", start);
        return Optional.empty();
    }

    private static Optional<String> possessive(String quantifier, int start) {
        return has(quantifier, start, "a possessive quantifier, which RE2 does not support; drop the last +");
    }

    /** "has \1 at character 6: why", counting from 1 as editors do. */
    private static Optional<String> has(String construct, int start, String why) {
        return Optional.of("has " + OneLine.escape(construct) + " at character " + (start + 1) + ": " + why);
    }

    private char next(int ahead) {
        int j = i + ahead;
        return j < re.length() ? re.charAt(j) : 0;
    }
}
