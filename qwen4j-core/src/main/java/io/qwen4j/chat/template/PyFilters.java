package io.qwen4j.chat.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.objects.SafeString;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Jinja2's scalar filters where Jinjava's differ: {@code default(boolean=)}, {@code int(base=)},
 * {@code float} (a 64-bit double: {@code '4.7'|float} prints 4.7), {@code round} (Python's half-even on
 * the exact value), {@code abs}, {@code center}, {@code first}/{@code last} of a string,
 * {@code indent(first=, blank=)}, {@code escape} (Markup's entities), {@code truncate} (leeway 5),
 * {@code urlencode}, {@code pprint} and {@code format} (printf-style, {@link PyPercentFormat}).
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
        global.registerFilter(filter("center", (v, a, i) -> PyStrings.pad(PyValues.softStr(TemplateLibrary.unwrap(v)),
                "center", a.integer("width", 80), " "), "width"));
        global.registerFilter(filter("first", (v, a, i) -> firstOrLast(TemplateLibrary.unwrap(v), true)));
        global.registerFilter(filter("last", (v, a, i) -> firstOrLast(TemplateLibrary.unwrap(v), false)));
        global.registerFilter(filter("indent", (v, a, i) -> indent(requireString("indent", TemplateLibrary.unwrap(v)),
                a.get("width", 4L), a.flag("first"), a.flag("blank")), "width", "first", "blank"));
        Body escape = (v, a, i) -> v instanceof SafeString ? v : new SafeString(escape(PyValues.softStr(v)));
        global.registerFilter(filter("escape", escape));
        global.registerFilter(filter("e", escape));
        // escaped even when already safe, from Python's str() of the value
        global.registerFilter(filter("forceescape", (v, a, i) -> new SafeString(escape(PyValues.softStr(TemplateLibrary.unwrap(v))))));
        global.registerFilter(filter("wordwrap", (v, a, i) -> PyTextWrap.wordwrap(requireString("wordwrap", TemplateLibrary.unwrap(v)),
                a.integer("width", 79), PyValues.truthy(a.get("break_long_words", true)),
                wrapString(a.get("wrapstring", null)), PyValues.truthy(a.get("break_on_hyphens", true))),
                "width", "break_long_words", "wrapstring", "break_on_hyphens"));
        global.registerFilter(filter("striptags", (v, a, i) -> stripTags(PyValues.softStr(TemplateLibrary.unwrap(v)))));
        global.registerFilter(filter("wordcount", (v, a, i) -> wordCount(PyValues.softStr(TemplateLibrary.unwrap(v)))));
        global.registerFilter(filter("truncate", (v, a, i) -> truncate(TemplateLibrary.unwrap(v),
                a.integer("length", 255), a.flag("killwords"), PyValues.str(a.get("end", "...")),
                a.integer("leeway", 5)), "length", "killwords", "end", "leeway"));
        global.registerFilter(filter("urlencode", (v, a, i) -> urlencode(TemplateLibrary.unwrap(v))));
        global.registerFilter(filter("replace", (v, a, i) -> PyStrings.replace(PyValues.softStr(TemplateLibrary.unwrap(v)),
                PyValues.str(a.get("old", "")), PyValues.str(a.get("new", "")), a.integer("count", -1)), "old", "new", "count"));
        global.registerFilter(filter("title", (v, a, i) -> titleFilter(PyValues.softStr(TemplateLibrary.unwrap(v)))));
        global.registerFilter(filter("capitalize", (v, a, i) -> PyCase.capitalize(PyValues.softStr(TemplateLibrary.unwrap(v)))));
        global.registerFilter(filter("filesizeformat", (v, a, i) -> fileSize(TemplateLibrary.unwrap(v), a.flag("binary")),
                "binary"));
        global.registerFilter(filter("xmlattr", (v, a, i) -> xmlAttributes(TemplateLibrary.unwrap(v),
                a.get("autospace", true) != Boolean.FALSE), "autospace"));
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

    /** Jinja2 3.1's indent: blank lines stay empty unless {@code blank}; the first line only with {@code first}. */
    private static String indent(String s, Object width, boolean first, boolean blank) {
        String indention = width instanceof CharSequence w ? w.toString()
                : " ".repeat(Math.max(0, ((Number) PyNone.toNull(width)).intValue()));
        List<String> lines = PyStrings.splitLines(s + "\n");
        StringBuilder out = new StringBuilder();
        if (blank) {
            out.append(String.join("\n" + indention, lines));
        } else {
            out.append(lines.getFirst());
            for (String line : lines.subList(1, lines.size())) {
                out.append('\n').append(line.isEmpty() ? line : indention + line);
            }
        }
        return first ? indention + out : out.toString();
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

    /** Jinja2's title filter: each run of word or break characters ({@link #titleBreak}) starts upper-cased. */
    static String titleFilter(String s) {
        StringBuilder out = new StringBuilder(s.length());
        // Jinja2 splits into words and runs of separators (each an item, its first character "upper-cased" too),
        // then item[0].upper() + item[1:].lower(): the rest lowered as one string, so a final 'Σ' becomes 'ς'
        for (int start = 0; start < s.length(); ) {
            int first = s.codePointAt(start);
            int end = start + Character.charCount(first);
            while (end < s.length() && titleBreak(s.codePointAt(end)) == titleBreak(first)) {
                end += Character.charCount(s.codePointAt(end));
            }
            out.append(Character.toString(first).toUpperCase(java.util.Locale.ROOT))
                    .append(PyCase.lower(s.substring(start + Character.charCount(first), end)));
            start = end;
        }
        return out.toString();
    }

    /** Jinja2's _word_beginning_split_re: a hyphen, whitespace, or one of ( { [ &lt;. */
    private static boolean titleBreak(int cp) {
        return cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<' || PyStrings.isSpace(cp);
    }

    /** The value of a filter that Jinja2 applies to strings only (an int or a list there is a TypeError, undefined an UndefinedError). */
    private static String requireString(String filter, Object value) {
        if (value instanceof CharSequence || value instanceof SafeString) {
            return value.toString();
        }
        throw new TemplateException(filter + ": expected a string, got " + PyOrdering.typeName(value));
    }

    /**
     * Jinja2's striptags (markupsafe 3's): comments, then tags removed (each up to the next {@code -->} or
     * {@code >}; an unclosed one stays), whitespace runs made single spaces as Python's split() finds them, then
     * HTML references unescaped ({@link HtmlUnescape}). Jinjava's escaped the text instead.
     */
    static String stripTags(String value) {
        String v = value;
        for (int start; (start = v.indexOf("<!--")) != -1; ) {
            int end = v.indexOf("-->", start);
            if (end == -1) {
                break;
            }
            v = v.substring(0, start) + v.substring(end + 3);
        }
        for (int start; (start = v.indexOf('<')) != -1; ) {
            int end = v.indexOf('>', start);
            if (end == -1) {
                break;
            }
            v = v.substring(0, start) + v.substring(end + 1);
        }
        return HtmlUnescape.unescape(String.join(" ", PyStrings.split(v, null, -1)));
    }

    /** Jinja2's wordwrap joins with the environment's newline unless given a string. */
    private static String wrapString(Object given) {
        return given == null || given == PyNone.NONE ? "\n" : PyValues.str(given);
    }

    /** Jinja2's wordcount: runs of Python word characters ({@code \w}: letters, numbers of any kind, '_'). */
    private static long wordCount(String s) {
        return WORD.matcher(s).results().count();
    }

    private static final java.util.regex.Pattern WORD = java.util.regex.Pattern.compile("[\\p{L}\\p{N}_]+");

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

    /** Jinja2's xmlattr: {@code key="value"} pairs, escaped, None and undefined values left out. */
    static String xmlAttributes(Object value, boolean autospace) {
        if (!(value instanceof Map<?, ?> map)) {
            throw new TemplateException("xmlattr: " + PyValues.repr(value) + " is not a mapping");
        }
        StringBuilder out = new StringBuilder();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (e.getValue() == null || e.getValue() == PyNone.NONE) {
                continue;
            }
            String key = PyValues.str(e.getKey());
            if (key.chars().anyMatch(c -> c == ' ' || c == '/' || c == '>' || c == '=' || Character.isWhitespace(c))) {
                throw new TemplateException("Invalid character in attribute name: " + PyValues.repr(key));
            }
            out.append(out.isEmpty() ? "" : " ").append(escape(key)).append("=\"").append(escape(PyValues.str(e.getValue()))).append('"');
        }
        return autospace && !out.isEmpty() ? " " + out : out.toString();
    }

    /** MarkupSafe's escape: the five characters, with numeric entities for the quotes. */
    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&#34;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** Jinja2 measures len(value) before any str(): a short list (content parts) comes back as it is. */
    private static Object truncate(Object value, int length, boolean killwords, String end, int leeway) {
        int endLength = end.codePointCount(0, end.length());
        if (length < endLength || leeway < 0) { // Jinja2's assertions
            throw new TemplateException(length < endLength ? "truncate: expected length >= " + endLength + ", got " + length
                    : "truncate: expected leeway >= 0, got " + leeway);
        }
        // Jinja2 returns anything with len() <= length + leeway as it is (an undefined value has length 0); a longer
        // list or dict fails there (slicing it and adding the end string), and a number has no len()
        if (value instanceof Collection<?> c || value instanceof Map<?, ?>) {
            int size = value instanceof Collection<?> c ? c.size() : ((Map<?, ?>) value).size();
            if (size <= length + leeway) {
                return value;
            }
            throw new TemplateException("truncate: cannot cut " + PyOrdering.typeName(value) + " of length " + size);
        }
        if (value != null && !(value instanceof CharSequence || value instanceof SafeString)) {
            throw new TemplateException("truncate: object of type " + PyOrdering.typeName(value) + " has no len()");
        }
        String s = PyValues.softStr(value);
        int size = s.codePointCount(0, s.length());
        if (size <= length + leeway) {
            return s;
        }
        int keep = Math.max(0, length - end.codePointCount(0, end.length()));
        String head = s.substring(0, s.offsetByCodePoints(0, Math.min(keep, size)));
        if (killwords) {
            return head + end;
        }
        int space = head.lastIndexOf(' ');
        return (space < 0 ? head : head.substring(0, space)) + end;
    }

    /** Jinja2's urlencode: a string quoted with '/' safe; a mapping or pairs as a query string. */
    private static String urlencode(Object value) {
        if (value instanceof Map<?, ?> || value instanceof Collection<?>) {
            Iterable<?> pairs = value instanceof Map<?, ?> m ? m.entrySet() : (Collection<?>) value;
            StringBuilder out = new StringBuilder();
            for (Object pair : pairs) {
                Object k = pair instanceof Map.Entry<?, ?> e ? e.getKey() : ((List<?>) pair).get(0);
                Object v = pair instanceof Map.Entry<?, ?> e ? e.getValue() : ((List<?>) pair).get(1);
                out.append(out.isEmpty() ? "" : "&").append(quote(PyValues.str(k), true)).append('=')
                        .append(quote(PyValues.str(v), true));
            }
            return out.toString();
        }
        return quote(PyValues.str(value), false);
    }

    private static String quote(String s, boolean forQuery) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            boolean safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.' || c == '-' || c == '~' || (c == '/' && !forQuery);
            if (safe) {
                out.append((char) c);
            } else if (c == ' ' && forQuery) {
                out.append('+');
            } else {
                out.append('%').append(String.format("%02X", c));
            }
        }
        return out.toString();
    }
}
