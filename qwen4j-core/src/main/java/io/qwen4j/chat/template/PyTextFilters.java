package io.qwen4j.chat.template;

import com.hubspot.jinjava.objects.SafeString;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Jinja2's string filters where Jinjava's differ: {@code center}, {@code indent(first=, blank=)},
 * {@code escape}/{@code e}/{@code forceescape} (Markup's entities), {@code wordwrap} ({@link PyTextWrap}),
 * {@code striptags} ({@link HtmlUnescape}), {@code wordcount}, {@code truncate} (leeway 5), {@code urlencode},
 * {@code replace}, {@code title}, {@code capitalize} ({@link PyCase}) and {@code xmlattr}. Each is Jinja2 3.1's
 * filter of the same name, argument names included ({@link PyArgs}).
 */
final class PyTextFilters {
    private PyTextFilters() {
    }

    static void install(com.hubspot.jinjava.interpret.Context global) {
        global.registerFilter(PyFilters.filter("center", (v, a, i) -> PyStrings.pad(text(v),
                "center", a.integer("width", 80), " "), "width"));
        global.registerFilter(PyFilters.filter("indent", (v, a, i) -> indent(requireString("indent", TemplateLibrary.unwrap(v)),
                a.get("width", 4L), a.flag("first"), a.flag("blank")), "width", "first", "blank"));
        PyFilters.Body escape = (v, a, i) -> v instanceof SafeString ? v : new SafeString(escape(PyValues.softStr(v)));
        global.registerFilter(PyFilters.filter("escape", escape));
        global.registerFilter(PyFilters.filter("e", escape));
        // escaped even when already safe, from Python's str() of the value
        global.registerFilter(PyFilters.filter("forceescape", (v, a, i) -> new SafeString(escape(text(v)))));
        global.registerFilter(PyFilters.filter("wordwrap", (v, a, i) -> PyTextWrap.wordwrap(requireString("wordwrap", TemplateLibrary.unwrap(v)),
                a.integer("width", 79), PyValues.truthy(a.get("break_long_words", true)),
                wrapString(a.get("wrapstring", null)), PyValues.truthy(a.get("break_on_hyphens", true))),
                "width", "break_long_words", "wrapstring", "break_on_hyphens"));
        global.registerFilter(PyFilters.filter("striptags", (v, a, i) -> stripTags(text(v))));
        global.registerFilter(PyFilters.filter("wordcount", (v, a, i) -> wordCount(text(v))));
        global.registerFilter(PyFilters.filter("truncate", (v, a, i) -> truncate(TemplateLibrary.unwrap(v),
                a.integer("length", 255), a.flag("killwords"), PyValues.str(a.get("end", "...")),
                a.integer("leeway", 5)), "length", "killwords", "end", "leeway"));
        global.registerFilter(PyFilters.filter("urlencode", (v, a, i) -> urlencode(TemplateLibrary.unwrap(v))));
        global.registerFilter(PyFilters.filter("replace", (v, a, i) -> PyStrings.replace(text(v),
                PyValues.str(a.get("old", "")), PyValues.str(a.get("new", "")), a.integer("count", -1)), "old", "new", "count"));
        global.registerFilter(PyFilters.filter("title", (v, a, i) -> titleFilter(text(v))));
        global.registerFilter(PyFilters.filter("capitalize", (v, a, i) -> PyCase.capitalize(text(v))));
        global.registerFilter(PyFilters.filter("xmlattr", (v, a, i) -> xmlAttributes(TemplateLibrary.unwrap(v),
                a.get("autospace", true) != Boolean.FALSE), "autospace"));
    }

    /** Jinja2's {@code soft_str} of a filter's value: what most string filters work on. */
    private static String text(Object value) {
        return PyValues.softStr(TemplateLibrary.unwrap(value));
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
        if (PyValues.isText(value)) {
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
        if (value != null && !PyValues.isText(value)) {
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
