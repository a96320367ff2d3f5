package dev.aviary.policy;

import dev.aviary.policy.YamlNode.Scalar;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a YAML scalar reads as a number in a policy, or exactly why it does not. YAML 1.1 (what the parser speaks)
 * reads {@code 0x1E}, {@code 017}, {@code 3_0}, {@code .nan} and {@code .inf} as numbers; a policy takes only
 * finite plain decimals, and says which spelling to use instead.
 *
 * <p>Messages are written to follow the field's name, and start with the value as written when they are about
 * its spelling: "weight" + " 0x1E is hexadecimal; write 30, not 0x1E".
 */
final class NumberSyntax {

    /** What a scalar says as a number. */
    sealed interface Reading permits Value, Wrong {}

    /** A finite number. */
    record Value(BigDecimal value) implements Reading {}

    /** Not usable as a number; {@code message} follows the field's name. */
    record Wrong(String message) implements Reading {}

    /** No number a policy needs is this long; longer text is not parsed (BigDecimal on 100k digits is slow). */
    static final int MAX_LENGTH = 64;

    private static final BigDecimal MAX_DOUBLE = new BigDecimal(Double.MAX_VALUE);
    private static final BigDecimal MIN_LONG = BigDecimal.valueOf(Long.MIN_VALUE);
    private static final BigDecimal MAX_LONG = BigDecimal.valueOf(Long.MAX_VALUE);
    private static final Pattern NAN = Pattern.compile("[-+]?\\.nan", Pattern.CASE_INSENSITIVE);
    private static final Pattern INF = Pattern.compile("[-+]?\\.inf(inity)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern RADIX = Pattern.compile("([-+]?)0([xXoObB])([0-9a-fA-F_]+)");
    private static final Pattern LEADING_ZERO = Pattern.compile("([-+]?)0+([0-9][0-9_]*(\\.[0-9_]*)?([eE][-+]?[0-9]+)?)");
    private static final Pattern OCTAL_DIGITS = Pattern.compile("[0-7]+");
    private static final Pattern NUMBER_LIKE = Pattern.compile("[-+]?[.0-9].*");
    private static final Pattern NUMERIC = Pattern.compile("[-+]?([0-9][0-9_]*\\.?[0-9_]*|\\.[0-9_]+)([eE][-+]?[0-9]+)?");

    private NumberSyntax() {}

    /** Any finite number. */
    static Reading number(Scalar s) {
        if (!s.isNumber()) return notANumber(s, "a number");
        return decimal(s.text());
    }

    /** A whole number that fits a long. {@code 1e3} and {@code 30.0} are refused with the plain spelling. */
    static Reading wholeNumber(Scalar s) {
        if (!s.isNumber()) return notANumber(s, "a whole number");
        Reading r = decimal(s.text());
        if (!(r instanceof Value v)) return r;
        String t = s.text().trim();
        BigDecimal value = v.value();
        boolean integral = value.signum() == 0 || value.stripTrailingZeros().scale() <= 0;
        if (!integral) {
            return new Wrong("must be a whole number, found " + s.kindName());
        }
        if (t.contains(".") || t.contains("e") || t.contains("E")) {
            return new Wrong("must be a whole number; write " + plain(value) + ", not " + t);
        }
        if (value.compareTo(MIN_LONG) < 0 || value.compareTo(MAX_LONG) > 0) {
            return new Wrong(t + " is too large");
        }
        return v;
    }

    /**
     * Reads number text whatever YAML typed it as (also the part of "10%" before the sign): plain decimals pass,
     * every other spelling gets a message saying how to write it.
     */
    static Reading decimal(String text) {
        String t = text == null ? "" : text.trim();
        if (t.isEmpty()) return new Wrong("\"\" is not a number");
        if (t.length() > MAX_LENGTH) {
            return new Wrong(OneLine.quote(t) + " is too long for a number (" + t.length() + " characters)");
        }
        if (NAN.matcher(t).matches()) return new Wrong(t + " is not a number (NaN); write a number");
        if (INF.matcher(t).matches()) return new Wrong(t + " is infinite; write a finite number");
        Matcher radix = RADIX.matcher(t);
        if (radix.matches()) return radix(t, radix);
        Matcher zero = LEADING_ZERO.matcher(t);
        if (zero.matches()) {
            String digits = zero.group(2).replace("_", "");
            String meant = zero.group(1).replace("+", "") + digits;
            String octal = OCTAL_DIGITS.matcher(t.replaceFirst("^[-+]", "")).matches()
                    ? ", which YAML 1.1 reads as octal " + zero.group(1).replace("+", "") + new BigInteger(digits, 8)
                    : "";
            return new Wrong(t + " has a leading zero" + octal + "; write " + meant + " without it");
        }
        if (t.indexOf('_') >= 0) {
            String without = t.replace("_", "");
            return NUMERIC.matcher(t).matches() && !without.isEmpty()
                    ? new Wrong(t + " has _ separators; write " + without.replaceFirst("^\\+", "") + ", not " + t)
                    : new Wrong(OneLine.quote(t) + " is not a number");
        }
        BigDecimal value;
        try {
            value = new BigDecimal(t);
        } catch (NumberFormatException e) {
            return new Wrong(NUMERIC.matcher(t).matches() ? t + " is out of range" : OneLine.quote(t) + " is not a number");
        }
        if (value.abs().compareTo(MAX_DOUBLE) > 0) {
            return new Wrong(t + " is too large");
        }
        return new Value(value);
    }

    private static Reading radix(String t, Matcher m) {
        String sign = m.group(1).equals("-") ? "-" : "";
        String digits = m.group(3).replace("_", "");
        char kind = Character.toLowerCase(m.group(2).charAt(0));
        int base = kind == 'x' ? 16 : kind == 'o' ? 8 : 2;
        String name = kind == 'x' ? "hexadecimal" : kind == 'o' ? "octal" : "binary";
        try {
            return new Wrong(t + " is " + name + "; write " + sign + new BigInteger(digits, base) + ", not " + t);
        } catch (NumberFormatException e) {
            return new Wrong(OneLine.quote(t) + " is not a number");
        }
    }

    /** Why a string, boolean or other non-number scalar is not the number expected. */
    private static Reading notANumber(Scalar s, String expected) {
        String found = "must be " + expected + ", found " + s.kindName();
        if (!s.isString()) return new Wrong(found);
        if (s.tag() != null) {
            return new Wrong(found + "; the " + s.tag() + " tag makes it text, so remove the tag");
        }
        Reading asNumber = decimal(s.text());
        if (s.quoted()) {
            return new Wrong(asNumber instanceof Value ? found + "; write it without quotes" : found);
        }
        // Plain text that YAML 1.1 did not take for a number but a person meant as one (0o17, 09): say how to write it
        return asNumber instanceof Wrong w && NUMBER_LIKE.matcher(s.text().trim()).matches() ? w : new Wrong(found);
    }

    /** A number as a person would write it: 1000 rather than 1E+3, when that is short enough to read. */
    static String plain(BigDecimal v) {
        String p = v.stripTrailingZeros().toPlainString();
        return p.length() <= 24 ? p : v.stripTrailingZeros().toString().toLowerCase(Locale.ROOT);
    }
}
