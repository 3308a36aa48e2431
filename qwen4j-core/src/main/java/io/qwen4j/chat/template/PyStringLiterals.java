package io.qwen4j.chat.template;

/**
 * Python string literals as Jinja2 reads them, re-written for Jinjava. Jinja2 unescapes a literal with
 * Python's rules ({@code \n}, {@code \t}, {@code \x41}, {@code \u00e9}, {@code \U0001F680}, an unknown
 * escape kept as is); Jinjava's EL lexer knows only {@code \'}, {@code \"} and {@code \\} and rejects the
 * rest. So each literal is decoded here and re-quoted with only those escapes, the other characters
 * written as themselves.
 */
final class PyStringLiterals {
    private PyStringLiterals() {
    }

    /** A string value as a Jinjava literal in the given quote character. */
    static String quote(String decoded, char quote) {
        StringBuilder out = new StringBuilder(decoded.length() + 2).append(quote);
        for (int i = 0; i < decoded.length(); i++) {
            char c = decoded.charAt(i);
            if (c == quote || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.append(quote).toString();
    }

    /** Python's unescaping of a non-raw str literal body. */
    static String decode(String body) {
        if (body.indexOf('\\') < 0) {
            return body;
        }
        StringBuilder out = new StringBuilder(body.length());
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c != '\\' || i + 1 >= body.length()) {
                out.append(c);
                continue;
            }
            char e = body.charAt(++i);
            switch (e) {
                case '\n' -> { } // a backslash-newline continues the line
                case '\\', '\'', '"' -> out.append(e);
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'v' -> out.append('\u000b');
                case 'x', 'u', 'U' -> {
                    int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    int code = hex(body, i + 1, digits);
                    if (code < 0) {
                        throw new TemplateException("template syntax error: truncated \\" + e + " escape in string literal");
                    }
                    out.appendCodePoint(code);
                    i += digits;
                }
                case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                    int end = i;
                    while (end < body.length() && end < i + 3 && body.charAt(end) >= '0' && body.charAt(end) <= '7') {
                        end++;
                    }
                    out.appendCodePoint(Integer.parseInt(body.substring(i, end), 8));
                    i = end - 1;
                }
                default -> out.append('\\').append(e);
            }
        }
        return out.toString();
    }

    private static int hex(String s, int from, int digits) {
        if (from + digits > s.length()) {
            return -1;
        }
        try {
            int code = Integer.parseInt(s.substring(from, from + digits), 16);
            return Character.isValidCodePoint(code) ? code : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
