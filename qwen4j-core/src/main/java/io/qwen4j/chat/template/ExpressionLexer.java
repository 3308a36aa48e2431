package io.qwen4j.chat.template;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits the inside of a Jinja tag ({@code {{ … }}} or {@code {% … %}}) into tokens, the way Jinja2's
 * lexer does, so that {@link SourceRewriter} can rewrite constructs Jinjava lacks without ever
 * touching text inside string literals.
 *
 * <p>Each token keeps the whitespace before it, so an unchanged token list prints back to the exact
 * source (and line numbers in later error messages stay right).
 */
final class ExpressionLexer {

    enum Kind { NAME, STRING, NUMBER, OP }

    record Token(Kind kind, String text, String spaceBefore) {
        static Token op(String text) {
            return new Token(Kind.OP, text, "");
        }

        static Token name(String text) {
            return new Token(Kind.NAME, text, "");
        }

        boolean is(String s) {
            return text.equals(s) && kind != Kind.STRING;
        }

        Token withSpace(String space) {
            return new Token(kind, text, space);
        }
    }

    /** The tokens of one tag and where its closing delimiter starts in the template. */
    record Lexed(List<Token> tokens, String trailingSpace, int end) {
    }

    private static final String[] TWO_CHAR_OPS = {"==", "!=", "<=", ">=", "//", "**"};

    private ExpressionLexer() {
    }

    /**
     * Lexes from {@code start} up to the closer ({@code "}}"} or {@code "%}"}), which is found only
     * outside strings and brackets; a {@code -} or {@code +} right before it belongs to the closer.
     *
     * @return the tokens and the index where the closer (including its -/+ marker) starts
     */
    static Lexed lex(String source, int start, String closer, int line) {
        List<Token> tokens = new ArrayList<>();
        int depth = 0;
        int i = start;
        while (true) {
            int wsStart = i;
            while (i < source.length() && Character.isWhitespace(source.charAt(i))) {
                i++;
            }
            String space = source.substring(wsStart, i);
            if (i >= source.length()) {
                throw new TemplateException("template syntax error: unclosed tag opened on line " + line
                        + " (missing '" + closer + "')");
            }
            if (depth == 0) {
                if (source.startsWith(closer, i)) {
                    return new Lexed(tokens, space, i);
                }
                char c = source.charAt(i);
                if ((c == '-' || c == '+') && source.startsWith(closer, i + 1)) {
                    return new Lexed(tokens, space, i);
                }
            }
            char c = source.charAt(i);
            if (c == '\'' || c == '"') {
                int j = i + 1;
                while (j < source.length() && source.charAt(j) != c) {
                    j += source.charAt(j) == '\\' ? 2 : 1;
                }
                if (j >= source.length()) {
                    throw new TemplateException("template syntax error: unterminated string starting on line " + line);
                }
                tokens.add(new Token(Kind.STRING, source.substring(i, j + 1), space));
                i = j + 1;
            } else if (Character.isLetter(c) || c == '_') {
                int j = i + 1;
                while (j < source.length() && (Character.isLetterOrDigit(source.charAt(j)) || source.charAt(j) == '_')) {
                    j++;
                }
                tokens.add(new Token(Kind.NAME, source.substring(i, j), space));
                i = j;
            } else if (Character.isDigit(c)) {
                int j = scanNumber(source, i);
                tokens.add(new Token(Kind.NUMBER, source.substring(i, j), space));
                i = j;
            } else {
                String op = String.valueOf(c);
                for (String two : TWO_CHAR_OPS) {
                    if (source.startsWith(two, i)) {
                        op = two;
                        break;
                    }
                }
                if (op.equals("(") || op.equals("[") || op.equals("{")) {
                    depth++;
                } else if (op.equals(")") || op.equals("]") || op.equals("}")) {
                    depth = Math.max(0, depth - 1);
                }
                tokens.add(new Token(Kind.OP, op, space));
                i += op.length();
            }
        }
    }

    private static int scanNumber(String s, int i) {
        int j = i;
        while (j < s.length() && (Character.isDigit(s.charAt(j)) || s.charAt(j) == '_')) {
            j++;
        }
        if (j + 1 < s.length() && s.charAt(j) == '.' && Character.isDigit(s.charAt(j + 1))) {
            j++;
            while (j < s.length() && Character.isDigit(s.charAt(j))) {
                j++;
            }
        }
        if (j < s.length() && (s.charAt(j) == 'e' || s.charAt(j) == 'E')) {
            int k = j + 1;
            if (k < s.length() && (s.charAt(k) == '+' || s.charAt(k) == '-')) {
                k++;
            }
            if (k < s.length() && Character.isDigit(s.charAt(k))) {
                j = k;
                while (j < s.length() && Character.isDigit(s.charAt(j))) {
                    j++;
                }
            }
        }
        return j;
    }

    static String print(List<Token> tokens) {
        StringBuilder out = new StringBuilder();
        for (Token t : tokens) {
            out.append(t.spaceBefore()).append(t.text());
        }
        return out.toString();
    }
}
