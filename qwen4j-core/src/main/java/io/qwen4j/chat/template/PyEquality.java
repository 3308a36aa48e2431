package io.qwen4j.chat.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * Python's {@code ==} for template values. Jinjava's {@code ==} is EL equality, which coerces: it
 * throws on {@code none == 0}, finds {@code none == false} and {@code 1 == '1'} true. In Python
 * None equals only None, a string never equals a number, {@code bool} is an {@code int}
 * ({@code 1 == true}), {@code 1 == 1.0}, and lists and dicts compare element by element.
 * Java {@code null} is Jinja2's Undefined, which equals only another Undefined.
 */
final class PyEquality {
    private PyEquality() {
    }

    static boolean equal(Object first, Object second) {
        Object a = PyValues.unwrapList(first);
        Object b = PyValues.unwrapList(second);
        if (a == b) {
            return true;
        }
        if (a == null || b == null || a == PyNone.NONE || b == PyNone.NONE) {
            return false;
        }
        if (PyValues.isText(a) || PyValues.isText(b)) {
            return PyValues.isText(a) && PyValues.isText(b) && a.toString().equals(b.toString());
        }
        if (isNumeric(a) || isNumeric(b)) {
            return isNumeric(a) && isNumeric(b) && numbersEqual(a, b);
        }
        if (a instanceof Collection<?> x && b instanceof Collection<?> y) {
            // A tuple never equals a list: (1, 2) == [1, 2] is False.
            return (a instanceof PyTuple) == (b instanceof PyTuple) && sequencesEqual(x, y);
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            return mapsEqual(x, y);
        }
        return Objects.equals(a, b);
    }

    /** Numbers and booleans: Python's bool is a subclass of int. */
    private static boolean isNumeric(Object v) {
        return v instanceof Number || v instanceof Boolean;
    }

    private static boolean numbersEqual(Object a, Object b) {
        BigDecimal x = exact(a);
        BigDecimal y = exact(b);
        return x != null && y != null ? x.compareTo(y) == 0 : toDouble(a) == toDouble(b);
    }

    /** The exact value, or null for NaN and infinities (compared as doubles). */
    private static BigDecimal exact(Object v) {
        return switch (v) {
            case Boolean bool -> bool ? BigDecimal.ONE : BigDecimal.ZERO;
            case BigInteger n -> new BigDecimal(n);
            case BigDecimal n -> n;
            case Long n -> BigDecimal.valueOf(n);
            case Integer n -> BigDecimal.valueOf(n);
            case Short n -> BigDecimal.valueOf(n);
            case Byte n -> BigDecimal.valueOf(n);
            case Number n -> Double.isFinite(n.doubleValue()) ? new BigDecimal(n.doubleValue()) : null;
            default -> null;
        };
    }

    private static double toDouble(Object v) {
        return v instanceof Boolean bool ? (bool ? 1 : 0) : ((Number) v).doubleValue();
    }

    private static boolean sequencesEqual(Collection<?> x, Collection<?> y) {
        if (x.size() != y.size()) {
            return false;
        }
        Iterator<?> i = x.iterator();
        Iterator<?> j = y.iterator();
        while (i.hasNext()) {
            if (!equal(i.next(), j.next())) {
                return false;
            }
        }
        return true;
    }

    private static boolean mapsEqual(Map<?, ?> x, Map<?, ?> y) {
        if (x.size() != y.size()) {
            return false;
        }
        for (Map.Entry<?, ?> e : x.entrySet()) {
            Object key = e.getKey();
            Object match = null;
            boolean found = false;
            for (Map.Entry<?, ?> f : y.entrySet()) {
                if (equal(key, f.getKey())) {
                    match = f.getValue();
                    found = true;
                    break;
                }
            }
            if (!found || !equal(e.getValue(), match)) {
                return false;
            }
        }
        return true;
    }
}
