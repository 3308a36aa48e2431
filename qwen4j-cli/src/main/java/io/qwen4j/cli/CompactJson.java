package io.qwen4j.cli;

import java.util.List;
import java.util.Map;

/**
 * Compact JSON for the few result objects a one-shot command prints (maps, lists, int arrays, numbers,
 * strings, booleans, null), written exactly as Jackson's default {@code ObjectMapper} writes them: floats
 * and doubles as {@link Float#toString}/{@link Double#toString}, non-finite ones quoted ({@code "NaN"}).
 *
 * <p>Why not Jackson itself: initialising an {@code ObjectMapper} loads ~370 classes and took 0.25-0.5 s of
 * a cold {@code generate} run, longer than computing its first token.
 */
final class CompactJson {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private CompactJson() {
    }

    static String write(Object value) {
        var out = new StringBuilder(256);
        append(out, value);
        return out.toString();
    }

    private static void append(StringBuilder out, Object value) {
        switch (value) {
            case null -> out.append("null");
            case String s -> string(out, s);
            case Boolean b -> out.append(b);
            case Integer i -> out.append(i);
            case Long l -> out.append(l);
            case Float f -> {
                if (Float.isFinite(f)) {
                    out.append(Float.toString(f));
                } else {
                    string(out, Float.toString(f));
                }
            }
            case Double d -> {
                if (Double.isFinite(d)) {
                    out.append(Double.toString(d));
                } else {
                    string(out, Double.toString(d));
                }
            }
            case int[] ints -> {
                out.append('[');
                for (int i = 0; i < ints.length; i++) {
                    out.append(i == 0 ? "" : ",").append(ints[i]);
                }
                out.append(']');
            }
            case List<?> list -> {
                out.append('[');
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    append(out, list.get(i));
                }
                out.append(']');
            }
            case Map<?, ?> map -> {
                out.append('{');
                boolean first = true;
                for (var entry : map.entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    string(out, String.valueOf(entry.getKey()));
                    out.append(':');
                    append(out, entry.getValue());
                }
                out.append('}');
            }
            default -> throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
        }
    }

    private static void string(StringBuilder out, String s) {
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
                    if (c < 0x20) {
                        out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
