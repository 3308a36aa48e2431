package io.qwen4j.chat.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;

/**
 * Python's {@code str()} and {@code repr()} of template values, so that {@code {{ x }}}, {@code |string}
 * and {@code ~} print what Jinja2 prints: {@code True}, {@code None}, {@code 1e-05}, {@code ['a', 'b']},
 * {@code {'a': 1}}.
 *
 * <p>Values are the JSON-shaped Java objects the renderer works with: String, Boolean, Integer/Long/
 * BigInteger, Float/Double/BigDecimal, Map, Collection or array, and null for None.
 */
final class PyValues {
    private PyValues() {
    }

    /** A Python str: a Java string, or Jinjava's escaped {@code SafeString} (markup, still a str to Python). */
    static boolean isText(Object value) {
        return value instanceof CharSequence || value instanceof com.hubspot.jinjava.objects.SafeString;
    }

    /** Jinja2's {@code soft_str}: an undefined value (null) is {@code ''}, anything else {@link #str}. */
    static String softStr(Object value) {
        return value == null ? "" : str(value);
    }

    /** Python {@code str(value)}. */
    static String str(Object value) {
        if (value instanceof CharSequence s) {
            return s.toString();
        }
        return repr(value);
    }

    /** Python {@code repr(value)}. */
    static String repr(Object value) {
        StringBuilder out = new StringBuilder();
        appendRepr(out, value);
        return out.toString();
    }

    /**
     * The list Jinjava wrapped: a value read from a variable comes back as its own PyList around the
     * original, which would hide a {@link PyTuple} or a groupby group.
     */
    static Object unwrapList(Object value) {
        Object v = value;
        while (v instanceof com.hubspot.jinjava.objects.collections.PyList list && list.toList() != v) {
            v = list.toList();
        }
        return v;
    }

    private static void appendRepr(StringBuilder out, Object value) {
        switch (unwrapList(value)) {
            case null -> out.append("None");
            case PyNone none -> out.append("None");
            case Boolean b -> out.append(b ? "True" : "False");
            case CharSequence s -> appendStringRepr(out, s.toString());
            case Double d -> out.append(floatRepr(d));
            case Float f -> out.append(floatRepr(f.doubleValue()));
            case BigDecimal d -> out.append(floatRepr(d.doubleValue()));
            case Number n -> out.append(n.toString());
            case PyRange range -> out.append(range);
            case Map<?, ?> map -> {
                out.append('{');
                Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
                while (it.hasNext()) {
                    Map.Entry<?, ?> e = it.next();
                    appendRepr(out, e.getKey());
                    out.append(": ");
                    appendRepr(out, e.getValue());
                    if (it.hasNext()) {
                        out.append(", ");
                    }
                }
                out.append('}');
            }
            case PyTuple tuple -> {
                out.append('(');
                for (int i = 0; i < tuple.size(); i++) {
                    appendRepr(out, tuple.get(i));
                    out.append(i + 1 < tuple.size() || tuple.size() == 1 ? (i + 1 < tuple.size() ? ", " : ",") : "");
                }
                out.append(')');
            }
            case Collection<?> list -> {
                out.append('[');
                Iterator<?> it = list.iterator();
                while (it.hasNext()) {
                    appendRepr(out, it.next());
                    if (it.hasNext()) {
                        out.append(", ");
                    }
                }
                out.append(']');
            }
            case Object[] array -> appendRepr(out, java.util.Arrays.asList(array));
            default -> out.append(value);
        }
    }

    /**
     * Python's {@code repr(float)}: the shortest digits that round-trip (Java's {@link Double#toString}
     * gives the same digits since JDK 19, except that it never gives fewer than two), laid out the Python way: scientific when the decimal
     * exponent is below -4 or at least 16 ({@code 1e-05}, {@code 1e+16}), else positional with at least
     * one fractional digit ({@code 0.0001}, {@code 1000000000000000.0}).
     */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (Double.doubleToRawLongBits(d) < 0) ? "-0.0" : "0.0";
        }
        BigDecimal exact = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        if (exact.precision() == 2) {
            // Java prints two digits where one would round-trip (5e-324 as 4.9E-324); Python prints the one
            BigDecimal one = new BigDecimal(Math.abs(d)).round(new java.math.MathContext(1, java.math.RoundingMode.HALF_EVEN));
            if (one.doubleValue() == Math.abs(d)) {
                exact = one.stripTrailingZeros();
            }
        }
        String digits = exact.unscaledValue().toString();
        // value = 0.DIGITS × 10^decimalPoint
        int decimalPoint = digits.length() - exact.scale();
        StringBuilder out = new StringBuilder();
        if (d < 0) {
            out.append('-');
        }
        if (decimalPoint > 16 || decimalPoint < -3) {
            out.append(digits.charAt(0));
            if (digits.length() > 1) {
                out.append('.').append(digits, 1, digits.length());
            }
            int exponent = decimalPoint - 1;
            out.append(exponent < 0 ? "e-" : "e+");
            int abs = Math.abs(exponent);
            if (abs < 10) {
                out.append('0');
            }
            out.append(abs);
        } else if (decimalPoint <= 0) {
            out.append("0.").append("0".repeat(-decimalPoint)).append(digits);
        } else if (decimalPoint >= digits.length()) {
            out.append(digits).append("0".repeat(decimalPoint - digits.length())).append(".0");
        } else {
            out.append(digits, 0, decimalPoint).append('.').append(digits, decimalPoint, digits.length());
        }
        return out.toString();
    }

    /** Python's string repr: single quotes unless the text has ' and no ", escapes for unprintables. */
    private static void appendStringRepr(StringBuilder out, String s) {
        char quote = (s.indexOf('\'') >= 0 && s.indexOf('"') < 0) ? '"' : '\'';
        out.append(quote);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == quote || cp == '\\') {
                out.append('\\').appendCodePoint(cp);
            } else if (cp == '\n') {
                out.append("\\n");
            } else if (cp == '\r') {
                out.append("\\r");
            } else if (cp == '\t') {
                out.append("\\t");
            } else if (isPrintable(cp)) {
                out.appendCodePoint(cp);
            } else if (cp < 0x100) {
                out.append(String.format("\\x%02x", cp));
            } else if (cp < 0x10000) {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.append(String.format("\\U%08x", cp));
            }
        }
        out.append(quote);
    }

    /** Python's str.isprintable for one code point: not a control, format, separator (but space) or unassigned. */
    private static boolean isPrintable(int cp) {
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
                 Character.UNASSIGNED, Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR,
                 Character.PARAGRAPH_SEPARATOR -> false;
            default -> true;
        };
    }

    /** Python truthiness of a JSON-shaped value. */
    static boolean truthy(Object value) {
        return switch (value) {
            case null -> false;
            case PyNone none -> false;
            case Boolean b -> b;
            case CharSequence s -> !s.isEmpty();
            case BigInteger n -> n.signum() != 0;
            case Number n -> n.doubleValue() != 0;
            case Collection<?> c -> !c.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            default -> true;
        };
    }
}
