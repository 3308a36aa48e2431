package io.qwen4j.chat.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Python's {@code int(text, base)}, {@code float(text)} and {@code int(float)} for the {@code int} and
 * {@code float} filters: underscores between digits, surrounding whitespace, a {@code 0x}/{@code 0o}/
 * {@code 0b} prefix matching the base (or any prefix with base 0), {@code inf}/{@code nan}; and the
 * forms Java accepts but Python does not ({@code 1d}, {@code 0x1p3}) rejected.
 */
final class PyNumbers {
    private PyNumbers() {
    }

    private static final Pattern FLOAT = Pattern.compile(
            "[+-]?((\\d(_?\\d)*)?\\.?\\d(_?\\d)*\\.?(\\d(_?\\d)*)?([eE][+-]?\\d(_?\\d)*)?|inf|infinity|nan)",
            Pattern.CASE_INSENSITIVE);

    /** Python {@code int(text, base)}; throws NumberFormatException as Python raises ValueError. */
    static Object parseInt(String text, int base) {
        String s = text.strip();
        boolean negative = s.startsWith("-");
        if (negative || s.startsWith("+")) {
            s = s.substring(1);
        }
        String lower = s.toLowerCase(Locale.ROOT);
        int prefixBase = lower.startsWith("0x") ? 16 : lower.startsWith("0o") ? 8 : lower.startsWith("0b") ? 2 : 0;
        if (prefixBase != 0 && (base == 0 || base == prefixBase)) {
            s = s.substring(2);
            base = prefixBase;
            if (s.startsWith("_")) {
                s = s.substring(1);
            }
        } else if (base == 0) {
            if (s.length() > 1 && s.chars().allMatch(c -> c == '0' || c == '_') == false && s.startsWith("0")) {
                throw new NumberFormatException(text);
            }
            base = 10;
        }
        if (s.isEmpty() || s.startsWith("_") || s.endsWith("_") || s.contains("__")) {
            throw new NumberFormatException(text);
        }
        BigInteger n = new BigInteger(s.replace("_", ""), base);
        return narrow(negative ? n.negate() : n);
    }

    /** Python {@code float(text)}. */
    static double parseFloat(String text) {
        String s = text.strip();
        if (!FLOAT.matcher(s).matches()) {
            throw new NumberFormatException(text);
        }
        String lower = s.toLowerCase(Locale.ROOT).replace("_", "");
        if (lower.endsWith("inf") || lower.endsWith("infinity")) {
            return lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        return lower.endsWith("nan") ? Double.NaN : Double.parseDouble(lower);
    }

    /** Python {@code int(x)} of a float: towards zero. */
    static Object truncate(double d) {
        if (!Double.isFinite(d)) {
            throw new ArithmeticException("cannot convert float " + d + " to integer");
        }
        return narrow(new BigDecimal(d).toBigInteger());
    }

    /** A Python number: an int, a float or a bool (Python's bool is an int). */
    static boolean isNumber(Object v) {
        return v instanceof Number || v instanceof Boolean;
    }

    /** A Python int, bools included. */
    static boolean isInt(Object v) {
        return v instanceof Long || v instanceof Integer || v instanceof BigInteger || v instanceof Boolean;
    }

    /** The exact value of an {@link #isInt} value. */
    static BigInteger toBigInteger(Object v) {
        return v instanceof Boolean b ? (b ? BigInteger.ONE : BigInteger.ZERO)
                : v instanceof BigInteger n ? n : BigInteger.valueOf(((Number) v).longValue());
    }

    /** An {@link #isNumber} value as a float. */
    static double toDouble(Object v) {
        return v instanceof Boolean b ? (b ? 1 : 0) : ((Number) v).doubleValue();
    }

    /** A Long when it fits, else the BigInteger. */
    static Object narrow(BigInteger n) {
        return n.bitLength() < 64 ? (Object) n.longValue() : n;
    }
}
