package io.qwen4j.chat.template;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;

/**
 * Python's {@code json.dumps(value, ensure_ascii=False, indent=…, separators=…, sort_keys=…)}, which is
 * what HF transformers installs as the template filter {@code tojson}: {@code ", "} and {@code ": "}
 * between items (or {@code ","} plus newlines when indenting), insertion order kept, floats in Python's
 * repr ({@code 1e-05}), non-ASCII text unescaped.
 */
final class PyJson {
    private final String indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;
    private final boolean ensureAscii;

    /** @param indent null for one line; else the string repeated per nesting level */
    PyJson(String indent, String itemSeparator, String keySeparator, boolean sortKeys, boolean ensureAscii) {
        this.indent = indent;
        this.itemSeparator = itemSeparator;
        this.keySeparator = keySeparator;
        this.sortKeys = sortKeys;
        this.ensureAscii = ensureAscii;
    }

    /** HF's tojson defaults for the given indent: ", " on one line, "," when indenting. */
    static PyJson withIndent(String indent) {
        return new PyJson(indent, indent == null ? ", " : ",", ": ", false, false);
    }

    String dumps(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, 0);
        return out.toString();
    }

    private void write(StringBuilder out, Object value, int depth) {
        switch (value) {
            case null -> out.append("null");
            case PyNone none -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case CharSequence s -> writeString(out, s.toString());
            case Double d -> out.append(floatJson(d));
            case Float f -> out.append(floatJson(f.doubleValue()));
            case BigDecimal d -> out.append(floatJson(d.doubleValue()));
            case Number n -> out.append(n.toString());
            case Map<?, ?> map -> writeMap(out, map, depth);
            case Collection<?> list -> writeList(out, list, depth);
            case Object[] array -> writeList(out, java.util.Arrays.asList(array), depth);
            default -> throw new TemplateException("tojson: object of type " + value.getClass().getSimpleName()
                    + " is not JSON serializable");
        }
    }

    private static String floatJson(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        return PyValues.floatRepr(d);
    }

    private void writeMap(StringBuilder out, Map<?, ?> map, int depth) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        Iterable<? extends Map.Entry<?, ?>> entries = map.entrySet();
        if (sortKeys) {
            entries = map.entrySet().stream()
                    .sorted((a, b) -> String.valueOf(a.getKey()).compareTo(String.valueOf(b.getKey())))
                    .toList();
        }
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : entries) {
            if (!first) {
                out.append(itemSeparator);
            }
            first = false;
            newline(out, depth + 1);
            writeString(out, keyString(e.getKey()));
            out.append(keySeparator);
            write(out, e.getValue(), depth + 1);
        }
        newline(out, depth);
        out.append('}');
    }

    /** Python's json turns non-string keys into strings: True → "true", None → "null", 1.5 → "1.5". */
    private static String keyString(Object key) {
        return switch (key) {
            case null -> "null";
            case PyNone none -> "null";
            case Boolean b -> b ? "true" : "false";
            case CharSequence s -> s.toString();
            case Double d -> floatJson(d);
            default -> key.toString();
        };
    }

    private void writeList(StringBuilder out, Collection<?> list, int depth) {
        if (list.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        Iterator<?> it = list.iterator();
        boolean first = true;
        while (it.hasNext()) {
            if (!first) {
                out.append(itemSeparator);
            }
            first = false;
            newline(out, depth + 1);
            write(out, it.next(), depth + 1);
        }
        newline(out, depth);
        out.append(']');
    }

    private void newline(StringBuilder out, int depth) {
        if (indent != null) {
            out.append('\n').append(indent.repeat(depth));
        }
    }

    /** A JSON string: '"', '\\' and control characters escaped, and with ensure_ascii every non-ASCII UTF-16 unit. */
    private void writeString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
