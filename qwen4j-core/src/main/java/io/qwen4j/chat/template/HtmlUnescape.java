package io.qwen4j.chat.template;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Python's {@code html.unescape}, which Jinja2's {@code striptags} ends with (through markupsafe): numeric
 * character references with the HTML5 replacements for invalid ones, and the 2,231 named references of
 * {@code html.entities.html5} (the resource {@code html5-entities.tsv}), a name without its ';' matched by its
 * longest known prefix as the standard says. Loaded on first use: only templates that strip tags need it.
 */
final class HtmlUnescape {

    private static final Pattern REFERENCE = Pattern.compile("&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");
    /** HTML5's replacements for numeric references to C1 controls and a few others (Python's {@code _invalid_charrefs}). */
    private static final Map<Integer, String> INVALID_REFERENCES = Map.ofEntries(
            Map.entry(0x00, "\uFFFD"), Map.entry(0x0D, "\r"), Map.entry(0x80, "\u20AC"), Map.entry(0x81, "\u0081"),
            Map.entry(0x82, "\u201A"), Map.entry(0x83, "\u0192"), Map.entry(0x84, "\u201E"), Map.entry(0x85, "\u2026"),
            Map.entry(0x86, "\u2020"), Map.entry(0x87, "\u2021"), Map.entry(0x88, "\u02C6"), Map.entry(0x89, "\u2030"),
            Map.entry(0x8A, "\u0160"), Map.entry(0x8B, "\u2039"), Map.entry(0x8C, "\u0152"), Map.entry(0x8D, "\u008D"),
            Map.entry(0x8E, "\u017D"), Map.entry(0x8F, "\u008F"), Map.entry(0x90, "\u0090"), Map.entry(0x91, "\u2018"),
            Map.entry(0x92, "\u2019"), Map.entry(0x93, "\u201C"), Map.entry(0x94, "\u201D"), Map.entry(0x95, "\u2022"),
            Map.entry(0x96, "\u2013"), Map.entry(0x97, "\u2014"), Map.entry(0x98, "\u02DC"), Map.entry(0x99, "\u2122"),
            Map.entry(0x9A, "\u0161"), Map.entry(0x9B, "\u203A"), Map.entry(0x9C, "\u0153"), Map.entry(0x9D, "\u009D"),
            Map.entry(0x9E, "\u017E"), Map.entry(0x9F, "\u0178"));

    private static volatile Map<String, String> named;

    private HtmlUnescape() {
    }

    static String unescape(String s) {
        if (s.indexOf('&') < 0) {
            return s;
        }
        Matcher m = REFERENCE.matcher(s);
        StringBuilder out = new StringBuilder(s.length());
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(replace(m.group(1))));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String replace(String reference) {
        if (reference.charAt(0) == '#') {
            boolean hex = reference.length() > 1 && (reference.charAt(1) == 'x' || reference.charAt(1) == 'X');
            String digits = reference.substring(hex ? 2 : 1).replace(";", "");
            BigInteger number = new BigInteger(digits, hex ? 16 : 10);
            if (number.bitLength() > 31) {
                return "\uFFFD";
            }
            int cp = number.intValue();
            String invalid = INVALID_REFERENCES.get(cp);
            if (invalid != null) {
                return invalid;
            }
            if (cp >= 0xD800 && cp <= 0xDFFF || cp > 0x10FFFF) {
                return "\uFFFD";
            }
            return invalidCodePoint(cp) ? "" : Character.toString(cp);
        }
        Map<String, String> names = names();
        String whole = names.get(reference);
        if (whole != null) {
            return whole;
        }
        for (int length = reference.length() - 1; length > 1; length--) {
            String prefix = names.get(reference.substring(0, length));
            if (prefix != null) {
                return prefix + reference.substring(length);
            }
        }
        return "&" + reference;
    }

    /** Python's {@code _invalid_codepoints}: C0/C1 controls but tab, newline, form feed and CR, and the noncharacters. */
    private static boolean invalidCodePoint(int cp) {
        return cp >= 0x1 && cp <= 0x8 || cp == 0xB || cp >= 0xE && cp <= 0x1F || cp >= 0x7F && cp <= 0x9F
                || cp >= 0xFDD0 && cp <= 0xFDEF || (cp & 0xFFFE) == 0xFFFE;
    }

    private static Map<String, String> names() {
        Map<String, String> table = named;
        if (table == null) {
            table = load();
            named = table;
        }
        return table;
    }

    private static Map<String, String> load() {
        Map<String, String> table = new HashMap<>();
        try (InputStream in = HtmlUnescape.class.getResourceAsStream("html5-entities.tsv")) {
            if (in == null) {
                throw new IllegalStateException("html5-entities.tsv missing from the classpath");
            }
            var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                int tab = line.indexOf('\t');
                var text = new StringBuilder();
                for (String unit : line.substring(tab + 1).split("\\.")) {
                    text.appendCodePoint(Integer.parseInt(unit, 16));
                }
                table.put(line.substring(0, tab), text.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.copyOf(table);
    }
}
