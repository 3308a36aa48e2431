package io.qwen4j.chat.template;

import io.qwen4j.chat.template.ExpressionLexer.Kind;
import io.qwen4j.chat.template.ExpressionLexer.Token;
import java.util.ArrayList;
import java.util.List;

/** Bracket-aware searches over expression tokens: matching brackets, top-level splits and names. */
final class TokenBrackets {

    private TokenBrackets() {
    }

    static int matching(List<Token> tokens, int open) {
        int depth = 0;
        for (int i = open; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.kind() == Kind.OP && (t.is("(") || t.is("[") || t.is("{"))) {
                depth++;
            } else if (t.kind() == Kind.OP && (t.is(")") || t.is("]") || t.is("}"))) {
                depth--;
                if (depth == 0) {
                    return i;
                }
            }
        }
        throw new TemplateException("template syntax error: unbalanced '" + tokens.get(open).text() + "' in '"
                + ExpressionLexer.print(tokens).strip() + "'");
    }

    static int matchingBackward(List<Token> tokens, int close) {
        int depth = 0;
        for (int i = close; i >= 0; i--) {
            Token t = tokens.get(i);
            if (t.kind() == Kind.OP && (t.is(")") || t.is("]") || t.is("}"))) {
                depth++;
            } else if (t.kind() == Kind.OP && (t.is("(") || t.is("[") || t.is("{"))) {
                depth--;
                if (depth == 0) {
                    return i;
                }
            }
        }
        throw new TemplateException("template syntax error: unbalanced '" + tokens.get(close).text() + "' in '"
                + ExpressionLexer.print(tokens).strip() + "'");
    }

    /** Splits tokens [from, to) at top-level separators. */
    static List<List<Token>> splitTopLevel(List<Token> tokens, int from, int to, String separator) {
        List<List<Token>> parts = new ArrayList<>();
        int depth = 0;
        int partStart = from;
        for (int i = from; i < to; i++) {
            Token t = tokens.get(i);
            if (t.kind() == Kind.OP && (t.is("(") || t.is("[") || t.is("{"))) {
                depth++;
            } else if (t.kind() == Kind.OP && (t.is(")") || t.is("]") || t.is("}"))) {
                depth--;
            } else if (depth == 0 && t.is(separator)) {
                parts.add(tokens.subList(partStart, i));
                partStart = i + 1;
            }
        }
        parts.add(tokens.subList(partStart, to));
        return parts;
    }

    /**
     * The first token at bracket depth 0 from {@code from} that is the name or operator {@code name}
     * ({@code "in"}, {@code "if"}, {@code "="}), or -1.
     */
    static int indexOfTopLevel(List<Token> tokens, String name, int from) {
        int depth = 0;
        for (int i = from; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.kind() == Kind.OP && (t.is("(") || t.is("[") || t.is("{"))) {
                depth++;
            } else if (t.kind() == Kind.OP && (t.is(")") || t.is("]") || t.is("}"))) {
                depth--;
            } else if (depth == 0 && (t.kind() == Kind.NAME || t.kind() == Kind.OP) && t.is(name)) {
                return i;
            }
        }
        return -1;
    }
}
