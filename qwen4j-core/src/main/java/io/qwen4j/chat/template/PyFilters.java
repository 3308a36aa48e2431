package io.qwen4j.chat.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Jinja2's scalar filters where Jinjava's differ: {@code default(boolean=)}, {@code int(base=)},
 * {@code float} (a 64-bit double: {@code '4.7'|float} prints 4.7), {@code round} (Python's half-even on
 * the exact value), {@code abs}, {@code first}/{@code last} of a string, {@code filesizeformat}, {@code attr},
 * {@code pprint} and {@code format} (printf-style, {@link PyPercentFormat}); the string filters are
 * {@link PyTextFilters}', the sequence ones {@link PySequenceFilters}'.
 * Each is Jinja2 3.1's filter of the same name, argument names included ({@link PyArgs}).
 */
final class PyFilters {
    private PyFilters() {
    }

    /** A filter body with its Python signature bound. */
    interface Body {
        Object apply(Object value, PyArgs args, JinjavaInterpreter interpreter);
    }

    static Filter filter(String name, Body body, String... parameters) {
        return adapter(name, (value, args, kwargs, interpreter) ->
                body.apply(value, PyArgs.bind(args, kwargs, parameters), interpreter), false);
    }

    /** A filter body that takes Python's {@code *args} and {@code **kwargs} as the template passed them. */
    interface VarargsBody {
        Object apply(Object value, Object[] args, Map<String, Object> kwargs, JinjavaInterpreter interpreter);
    }

    /**
     * A filter whose body reads positional and keyword arguments itself ({@code format}, {@code map},
     * {@code tojson}); Jinjava's positional-only call passes no keywords. Safe strings keep Jinjava's default.
     */
    static Filter varargsFilter(String name, VarargsBody body) {
        return adapter(name, body, true);
    }

    /**
     * The one Jinjava {@link Filter} behind {@link #filter} and {@link #varargsFilter}: a positional-only call
     * passes no keywords; {@code preserveSafeString} false lets a body see (and return) plain strings.
     */
    private static Filter adapter(String name, VarargsBody body, boolean preserveSafeString) {
        return new Filter() {
            @Override
            public String getName() {
                return name;
            }

            @Override
            public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
                return filter(var, interpreter, (Object[]) args, Map.of());
            }

            @Override
            public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
                return body.apply(var, args, kwargs, interpreter);
            }

            @Override
            public boolean preserveSafeString() {
                return preserveSafeString;
            }
        };
    }

    static void install(com.hubspot.jinjava.interpret.Context global) {
        Body defaultBody = (v, a, i) -> v == null || (a.flag("boolean") && !PyValues.truthy(TemplateLibrary.unwrap(v)))
                ? a.get("default_value", "") : v;
        global.registerFilter(filter("default", defaultBody, "default_value", "boolean"));
        global.registerFilter(filter("d", defaultBody, "default_value", "boolean"));
        global.registerFilter(filter("int", (v, a, i) -> toInt(TemplateLibrary.unwrap(v), a.get("default", 0L),
                a.integer("base", 10)), "default", "base"));
        global.registerFilter(filter("float", (v, a, i) -> toFloat(TemplateLibrary.unwrap(v), a.get("default", 0.0)),
                "default"));
        global.registerFilter(filter("round", (v, a, i) -> round(TemplateLibrary.unwrap(v), a.integer("precision", 0),
                PyValues.str(a.get("method", "common"))), "precision", "method"));
        global.registerFilter(filter("abs", (v, a, i) -> abs(TemplateLibrary.unwrap(v))));
        global.registerFilter(filter("first", (v, a, i) -> firstOrLast(TemplateLibrary.unwrap(v), true)));
        global.registerFilter(filter("last", (v, a, i) -> firstOrLast(TemplateLibrary.unwrap(v), false)));
        global.registerFilter(filter("filesizeformat", (v, a, i) -> fileSize(TemplateLibrary.unwrap(v), a.flag("binary")),
                "binary"));
        Filter jinjavaAttr = global.getFilter("attr");
        global.registerFilter(varargsFilter("attr", (var, args, kwargs, interpreter) -> {
            Object value = PyValues.unwrapList(TemplateLibrary.unwrap(var));
            // getattr, not getitem: a dict's keys and a list's items are no attributes in Python
            if ((value instanceof Map<?, ?> && !(value instanceof com.hubspot.jinjava.objects.Namespace)) || value instanceof List<?>) {
                return null;
            }
            return jinjavaAttr.filter(var, interpreter, args, kwargs);
        }));
        global.registerFilter(filter("pprint", (v, a, i) -> PyValues.repr(sortedDicts(TemplateLibrary.unwrap(v)))));
        global.registerFilter(varargsFilter("format", (var, args, kwargs, interpreter) -> {
            String format = PyValues.str(TemplateLibrary.unwrap(var));
            if (kwargs != null && !kwargs.isEmpty()) {
                return PyPercentFormat.format(format, null, kwargs);
            }
            return PyPercentFormat.format(format, List.of(args == null ? new Object[0] : args), null);
        }));
    }

    /** Jinja2's {@code int}: int(s, base) for strings, int(x) otherwise, then int(float(x)), then the default. */
    static Object toInt(Object value, Object otherwise, int base) {
        try {
            return switch (value) {
                case CharSequence s -> {
                    try {
                        yield PyNumbers.parseInt(s.toString(), base);
                    } catch (NumberFormatException e) {
                        yield PyNumbers.truncate(PyNumbers.parseFloat(s.toString()));
                    }
                }
                case Boolean b -> b ? 1L : 0L;
                case Double d -> PyNumbers.truncate(d);
                case Float f -> PyNumbers.truncate(f.doubleValue());
                case BigDecimal d -> PyNumbers.truncate(d.doubleValue());
                case Number n -> n;
                case null, default -> otherwise;
            };
        } catch (NumberFormatException | ArithmeticException e) {
            return otherwise;
        }
    }

    static Object toFloat(Object value, Object otherwise) {
        try {
            return switch (value) {
                case CharSequence s -> PyNumbers.parseFloat(s.toString());
                case Boolean b -> b ? 1.0 : 0.0;
                case Number n -> n.doubleValue();
                case null, default -> otherwise;
            };
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    private static Object round(Object value, int precision, String method) {
        if (!(value instanceof Number || value instanceof Boolean)) {
            throw new TemplateException("round: a number is required, not " + PyValues.repr(value));
        }
        boolean integral = !(value instanceof Double || value instanceof Float || value instanceof BigDecimal);
        double d = value instanceof Boolean b ? (b ? 1 : 0) : ((Number) value).doubleValue();
        return switch (method) {
            // Python round(x, n): ints stay ints; floats round the exact binary value half to even.
            // a zero result keeps the value's sign, as Python's round(-0.001, 2) is -0.0
            case "common" -> integral ? (value instanceof Boolean b ? (Object) (b ? 1L : 0L) : value) // round(True, 2) is 1
                    : Double.isFinite(d) ? Math.copySign(new BigDecimal(d).setScale(precision, RoundingMode.HALF_EVEN).doubleValue(), d) : d;
            // Jinja2: math.ceil/floor give a Python int, which has no negative zero: hence the + 0.0
            case "ceil" -> Math.ceil(d * Math.pow(10, precision)) / Math.pow(10, precision) + 0.0;
            case "floor" -> Math.floor(d * Math.pow(10, precision)) / Math.pow(10, precision) + 0.0;
            default -> throw new TemplateException("round: method must be 'common', 'ceil' or 'floor'");
        };
    }

    private static Object abs(Object value) {
        return switch (value) {
            case Boolean b -> b ? 1L : 0L;
            case Integer n -> Math.abs((long) n);
            case Long n -> n == Long.MIN_VALUE ? BigInteger.valueOf(n).negate() : Math.abs(n);
            case BigInteger n -> n.abs();
            case BigDecimal n -> n.abs();
            case Number n -> Math.abs(n.doubleValue());
            case null, default -> throw new TemplateException("bad operand type for abs(): " + PyValues.repr(value));
        };
    }

    private static Object firstOrLast(Object value, boolean first) {
        List<?> items = switch (value) {
            case null -> List.of();
            case CharSequence s -> s.toString().codePoints().mapToObj(Character::toString).toList();
            case Map<?, ?> m -> List.copyOf(m.keySet());
            case List<?> l -> l;
            case Collection<?> c -> List.copyOf(c);
            default -> (List<?>) PyFunctions.iter(value);
        };
        return items.isEmpty() ? null : items.get(first ? 0 : items.size() - 1);
    }

    /**
     * pprint.pformat sorts dict keys (sort_dicts=True); short values are otherwise their repr. Keys
     * that cannot be ordered keep their order. (Line wrapping past 80 columns is not reproduced.)
     */
    private static Object sortedDicts(Object value) {
        Object v = PyValues.unwrapList(value);
        if (v instanceof Map<?, ?> map) {
            List<Map.Entry<?, ?>> entries = new java.util.ArrayList<>(map.entrySet());
            try {
                entries.sort((x, y) -> PyOrdering.compare(x.getKey(), y.getKey()));
            } catch (TemplateException unordered) {
                entries = new java.util.ArrayList<>(map.entrySet());
            }
            Map<Object, Object> out = new java.util.LinkedHashMap<>();
            entries.forEach(e -> out.put(e.getKey(), sortedDicts(e.getValue())));
            return out;
        }
        if (v instanceof PyTuple tuple) {
            return PyTuple.copyOf(tuple.stream().map(PyFilters::sortedDicts).toList());
        }
        if (v instanceof List<?> list) {
            return new java.util.ArrayList<>(list.stream().map(PyFilters::sortedDicts).toList());
        }
        return v;
    }

    /** Jinja2's filesizeformat: decimal kB, MB, … by default, KiB, MiB, … with {@code binary}. */
    static String fileSize(Object value, boolean binary) {
        double bytes = PyNumbers.isNumber(value) ? PyNumbers.toDouble(value) : Double.parseDouble(PyValues.str(value));
        int base = binary ? 1024 : 1000;
        String[] prefixes = binary ? new String[] {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"}
                : new String[] {"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
        if (bytes == 1) {
            return "1 Byte";
        }
        if (bytes < base) {
            return (long) bytes + " Bytes";
        }
        double unit = base;
        String prefix = prefixes[0];
        for (int k = 0; k < prefixes.length; k++) {
            unit = Math.pow(base, k + 2);
            prefix = prefixes[k];
            if (bytes < unit) {
                break;
            }
        }
        return PyPercentFormat.fixed(base * bytes / unit, 1) + " " + prefix;
    }
}
