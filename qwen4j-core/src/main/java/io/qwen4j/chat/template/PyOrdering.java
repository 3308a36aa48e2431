package io.qwen4j.chat.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Python's {@code <} for the sorting filters ({@code sort}, {@code dictsort}, {@code min}, {@code max},
 * {@code groupby}): numbers (bools included) by value, strings by code point, lists and tuples
 * element by element; anything else, None included, cannot be ordered (TypeError in Python).
 * Jinja2's {@code case_sensitive=False} compares strings lower-cased.
 */
final class PyOrdering {
    private PyOrdering() {
    }

    static Comparator<Object> comparator(boolean caseSensitive) {
        return (a, b) -> compare(caseSensitive ? a : ignoreCase(a), caseSensitive ? b : ignoreCase(b));
    }

    /** Jinja2's ignore_case: lower-cases strings, leaves everything else. */
    static Object ignoreCase(Object value) {
        return PyValues.isText(value) ? value.toString().toLowerCase(Locale.ROOT) : value;
    }

    static int compare(Object a, Object b) {
        if (isNumber(a) && isNumber(b)) {
            return number(a).compareTo(number(b));
        }
        if (PyValues.isText(a) && PyValues.isText(b)) {
            return compareCodePoints(a.toString(), b.toString());
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            Iterator<?> i = x.iterator();
            Iterator<?> j = y.iterator();
            while (i.hasNext() && j.hasNext()) {
                Object p = i.next();
                Object q = j.next();
                if (!PyEquality.equal(p, q)) {
                    return compare(p, q);
                }
            }
            return Integer.compare(x.size(), y.size());
        }
        throw new TemplateException("'<' not supported between instances of " + typeName(a) + " and " + typeName(b));
    }

    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int p = a.codePointAt(i);
            int q = b.codePointAt(j);
            if (p != q) {
                return Integer.compare(p, q);
            }
            i += Character.charCount(p);
            j += Character.charCount(q);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    private static boolean isNumber(Object v) {
        return (v instanceof Number n && !(n instanceof Double d && d.isNaN())) || v instanceof Boolean;
    }

    private static BigDecimal number(Object v) {
        return switch (v) {
            case Boolean b -> b ? BigDecimal.ONE : BigDecimal.ZERO;
            case BigInteger n -> new BigDecimal(n);
            case BigDecimal n -> n;
            case Double d when d.isInfinite() -> BigDecimal.valueOf(d > 0 ? Double.MAX_VALUE : -Double.MAX_VALUE).multiply(BigDecimal.TEN);
            case Double d -> new BigDecimal(d);
            case Float f -> new BigDecimal(f);
            default -> BigDecimal.valueOf(((Number) v).longValue());
        };
    }

    static String typeName(Object v) {
        return switch (v) {
            case null -> "'Undefined'";
            case PyNone none -> "'NoneType'";
            case Boolean b -> "'bool'";
            case CharSequence s -> "'str'";
            case Double d -> "'float'";
            case Number n -> "'int'";
            case PyTuple t -> "'tuple'";
            case List<?> l -> "'list'";
            case java.util.Map<?, ?> m -> "'dict'";
            default -> "'" + v.getClass().getSimpleName() + "'";
        };
    }
}
