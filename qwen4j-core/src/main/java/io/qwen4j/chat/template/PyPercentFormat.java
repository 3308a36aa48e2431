package io.qwen4j.chat.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;

/**
 * Python's printf-style formatting, {@code 'x=%s, %.2f' % (a, b)} and the {@code format} filter, which
 * Jinjava lacks (it tried Java's {@code String.format}, whose flags differ). Conversions s r d i u f F
 * e E g G x X o c and %; flags {@code -+ 0#}; width; precision; {@code %(name)s} with a mapping.
 * Fixed-point digits are the exactly rounded (half-even) decimal of the double, as CPython's are.
 */
final class PyPercentFormat {
    private PyPercentFormat() {
    }

    /** {@code format % values}: a tuple or list of arguments, a mapping, or one value. */
    static String format(String format, Object values) {
        List<?> positional = PyValues.unwrapList(values) instanceof PyTuple t ? t : null;
        Map<?, ?> mapping = values instanceof Map<?, ?> m ? m : null;
        return format(format, positional == null && mapping == null ? java.util.Collections.singletonList(values)
                : positional, mapping);
    }

    static String format(String format, List<?> args, Map<?, ?> mapping) {
        StringBuilder out = new StringBuilder();
        int next = 0;
        int i = 0;
        while (i < format.length()) {
            char c = format.charAt(i++);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (i >= format.length()) {
                throw new TemplateException("incomplete format");
            }
            Object value = null;
            boolean named = false;
            if (format.charAt(i) == '(') {
                int close = format.indexOf(')', i);
                if (close < 0 || mapping == null) {
                    throw new TemplateException("format requires a mapping");
                }
                value = mapping.get(format.substring(i + 1, close));
                named = true;
                i = close + 1;
            }
            String flags = "";
            while (i < format.length() && "-+ 0#".indexOf(format.charAt(i)) >= 0) {
                flags += format.charAt(i++);
            }
            int width = 0;
            while (i < format.length() && Character.isDigit(format.charAt(i))) {
                width = width * 10 + (format.charAt(i++) - '0');
            }
            int precision = -1;
            if (i < format.length() && format.charAt(i) == '.') {
                i++;
                precision = 0;
                while (i < format.length() && Character.isDigit(format.charAt(i))) {
                    precision = precision * 10 + (format.charAt(i++) - '0');
                }
            }
            while (i < format.length() && "hlL".indexOf(format.charAt(i)) >= 0) {
                i++;
            }
            if (i >= format.length()) {
                throw new TemplateException("incomplete format");
            }
            char type = format.charAt(i++);
            if (type == '%') {
                out.append('%');
                continue;
            }
            if (!named) {
                if (args == null || next >= args.size()) {
                    throw new TemplateException("not enough arguments for format string");
                }
                value = args.get(next++);
            }
            out.append(pad(convert(type, flags, precision, value),
                    flags, width, "diufFeEgGxXo".indexOf(type) >= 0));
        }
        if (args != null && mapping == null && next < args.size()) {
            throw new TemplateException("not all arguments converted during string formatting");
        }
        return out.toString();
    }

    /** One value by a conversion type ({@code s r a c d i u x X o f F e E g G}); flags {@code + space #}. */
    static String convert(char type, String flags, int precision, Object value) {
        return switch (type) {
            case 's' -> truncate(PyValues.str(value), precision);
            case 'r', 'a' -> truncate(PyValues.repr(value), precision);
            case 'c' -> value instanceof Number n ? Character.toString(n.intValue()) : PyValues.str(value);
            case 'd', 'i', 'u' -> sign(integerOf(value).toString(), flags);
            case 'x' -> sign(alternate(integerOf(value).toString(16), flags, "0x"), flags);
            case 'X' -> sign(alternate(integerOf(value).toString(16).toUpperCase(), flags, "0X"), flags);
            case 'o' -> sign(alternate(integerOf(value).toString(8), flags, "0o"), flags);
            case 'f', 'F' -> sign(fixed(realOf(value), precision < 0 ? 6 : precision), flags);
            case 'e', 'E', 'g', 'G' -> {
                String s = scientific(realOf(value), type, precision, flags.contains("#"));
                yield sign(Character.isUpperCase(type) ? s.toUpperCase() : s, flags);
            }
            default -> throw new TemplateException("unsupported format character '" + type + "'");
        };
    }

    /** The first {@code precision} characters (code points, as Python counts them), or all for -1. */
    static String truncate(String s, int precision) {
        return precision >= 0 && precision < length(s) ? s.substring(0, s.offsetByCodePoints(0, precision)) : s;
    }

    /** Python's len() of a str: code points, not UTF-16 units. */
    static int length(String s) {
        return s.codePointCount(0, s.length());
    }

    private static String alternate(String digits, String flags, String prefix) {
        if (!flags.contains("#")) {
            return digits;
        }
        return digits.startsWith("-") ? "-" + prefix + digits.substring(1) : prefix + digits;
    }

    static String sign(String s, String flags) {
        if (s.startsWith("-")) {
            return s;
        }
        return flags.contains("+") ? "+" + s : flags.contains(" ") ? " " + s : s;
    }

    private static String pad(String s, String flags, int width, boolean numeric) {
        int missing = width - length(s);
        if (missing <= 0) {
            return s;
        }
        if (flags.contains("-")) {
            return s + " ".repeat(missing);
        }
        if (numeric && flags.contains("0")) {
            int signLength = s.startsWith("-") || s.startsWith("+") || s.startsWith(" ") ? 1 : 0;
            return s.substring(0, signLength) + "0".repeat(missing) + s.substring(signLength);
        }
        return " ".repeat(missing) + s;
    }

    static BigInteger integerOf(Object value) {
        return switch (value) {
            case Boolean b -> b ? BigInteger.ONE : BigInteger.ZERO;
            case BigInteger n -> n;
            case BigDecimal n -> n.toBigInteger();
            case Double d -> new BigDecimal(d).toBigInteger();
            case Float f -> new BigDecimal(f).toBigInteger();
            case Number n -> BigInteger.valueOf(n.longValue());
            case null, default -> throw new TemplateException("%d format: a real number is required, not "
                    + PyValues.repr(value));
        };
    }

    static double realOf(Object value) {
        if (!PyNumbers.isNumber(value)) {
            throw new TemplateException("must be real number, not " + PyValues.repr(value));
        }
        return PyNumbers.toDouble(value);
    }

    static String fixed(double d, int precision) {
        if (!Double.isFinite(d)) {
            return Double.isNaN(d) ? "nan" : d > 0 ? "inf" : "-inf";
        }
        String s = new BigDecimal(d).setScale(precision, RoundingMode.HALF_EVEN).toPlainString();
        return (d < 0 || (d == 0 && 1 / d < 0)) && !s.startsWith("-") ? "-" + s : s;
    }

    private static String scientific(double d, char type, int precision, boolean keepZeros) {
        if (!Double.isFinite(d)) {
            return Double.isNaN(d) ? "nan" : d > 0 ? "inf" : "-inf";
        }
        boolean general = type == 'g' || type == 'G';
        int p = precision < 0 ? 6 : general && precision == 0 ? 1 : precision;
        if (!general) {
            return exponent(d, p);
        }
        String probe = exponent(d, p - 1);
        int x = Integer.parseInt(probe.substring(probe.indexOf('e') + 1));
        String s = x >= -4 && x < p ? fixed(d, p - 1 - x) : exponent(d, p - 1);
        if (keepZeros) {
            return s;
        }
        int e = s.indexOf('e');
        String mantissa = e < 0 ? s : s.substring(0, e);
        if (mantissa.contains(".")) {
            mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return e < 0 ? mantissa : mantissa + s.substring(e);
    }

    /** {@code %.<p>e}: d.ddde+XX with at least two exponent digits. */
    private static String exponent(double d, int p) {
        if (d == 0) {
            return (1 / d < 0 ? "-" : "") + (p > 0 ? "0." + "0".repeat(p) : "0") + "e+00";
        }
        BigDecimal exact = new BigDecimal(d);
        BigDecimal rounded = exact.round(new java.math.MathContext(p + 1, RoundingMode.HALF_EVEN));
        int x = rounded.precision() - rounded.scale() - 1;
        String digits = rounded.unscaledValue().abs().toString();
        digits = (digits + "0".repeat(p + 1)).substring(0, p + 1);
        String mantissa = digits.charAt(0) + (p > 0 ? "." + digits.substring(1) : "");
        return (d < 0 ? "-" : "") + mantissa + (x < 0 ? "e-" : "e+") + (Math.abs(x) < 10 ? "0" : "") + Math.abs(x);
    }
}
