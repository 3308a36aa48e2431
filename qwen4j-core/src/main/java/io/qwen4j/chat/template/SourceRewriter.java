package io.qwen4j.chat.template;

import io.qwen4j.chat.template.ExpressionLexer.Kind;
import io.qwen4j.chat.template.ExpressionLexer.Token;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Rewrites the few Jinja2 constructs that Jinjava 2.8.4 parses differently, before Jinjava sees the
 * template. Each rewrite works on tokens ({@link ExpressionLexer}), never on raw text, so string
 * literals and comments are never changed, and each one maps a construct to an exact equivalent:
 *
 * <ol>
 *   <li>Slices {@code x[a:b:c]} → {@code q4j_slice(x, a, b, c)}: Jinjava cannot parse a step
 *       ({@code [::-1]}), and a function gives Python's semantics for every slice.</li>
 *   <li>Keyword arguments {@code f(k=a|length - 1)} → {@code f(k=(a|length - 1))}: Jinjava binds
 *       {@code k=a|length} first.</li>
 *   <li>{@code True}/{@code False}/{@code None} → the lower-case literals Jinjava knows.</li>
 *   <li>{@code {% for t in xs if cond %}}: Jinjava ignores the filter. The loop becomes a pre-pass
 *       that collects the items passing {@code cond}, then the real loop over them (so {@code loop.*}
 *       counts the filtered items, as in Jinja2). Every loop iterates {@code q4j_iter(xs)}, which
 *       gives Python's iteration (dict keys, characters of a string) and enables
 *       {@code loop.previtem}/{@code loop.nextitem}.</li>
 * </ol>
 */
final class SourceRewriter {

    static final String SLICE_FUNCTION = "q4j_slice";
    static final String ITER_FUNCTION = "q4j_iter";

    private int filteredLoops;
    private final Set<String> filterNames = new java.util.TreeSet<>();

    /** The rewritten source and the names of the filters it applies (checked before rendering). */
    record Rewritten(String source, Set<String> filterNames) {
    }

    private SourceRewriter() {
    }

    static Rewritten rewrite(String source) {
        SourceRewriter rewriter = new SourceRewriter();
        String rewritten = rewriter.rewriteTemplate(source);
        return new Rewritten(rewritten, Set.copyOf(rewriter.filterNames));
    }

    private String rewriteTemplate(String source) {
        StringBuilder out = new StringBuilder(source.length() + 256);
        int i = 0;
        while (i < source.length()) {
            int open = nextOpener(source, i);
            if (open < 0) {
                out.append(source, i, source.length());
                break;
            }
            out.append(source, i, open);
            String opener = source.substring(open, open + 2);
            int line = lineOf(source, open);
            if (opener.equals("{#")) {
                int end = source.indexOf("#}", open + 2);
                if (end < 0) {
                    throw new TemplateException("template syntax error: unclosed comment opened on line " + line);
                }
                out.append(source, open, end + 2);
                i = end + 2;
                continue;
            }
            int bodyStart = open + 2;
            String openMarker = "";
            if (bodyStart < source.length() && (source.charAt(bodyStart) == '-' || source.charAt(bodyStart) == '+')) {
                openMarker = String.valueOf(source.charAt(bodyStart));
                bodyStart++;
            }
            String closer = opener.equals("{{") ? "}}" : "%}";
            ExpressionLexer.Lexed lexed = ExpressionLexer.lex(source, bodyStart, closer, line);
            int closeStart = lexed.end();
            int closeEnd = source.indexOf(closer, closeStart) + 2;
            String closeText = source.substring(closeStart, closeEnd);
            List<Token> tokens = lexed.tokens();
            if (opener.equals("{{")) {
                out.append(opener).append(openMarker)
                        .append(ExpressionLexer.print(rewriteExpression(tokens)))
                        .append(lexed.trailingSpace()).append(closeText);
                i = closeEnd;
                continue;
            }
            String tagName = tokens.isEmpty() ? "" : tokens.getFirst().text();
            if (tagName.equals("raw")) {
                int end = findEndRaw(source, closeEnd, line);
                out.append(source, open, end);
                i = end;
                continue;
            }
            String body = switch (tagName) {
                case "for" -> rewriteFor(tokens, openMarker, lexed.trailingSpace(), closeText, line);
                // Macro and call signatures declare defaults Jinjava parses on its own: leave them.
                case "macro", "call" -> null;
                default -> null;
            };
            if (body != null) {
                out.append(body);
            } else {
                List<Token> rest = tagName.equals("macro") || tagName.equals("call") || tokens.isEmpty()
                        ? tokens
                        : concat(tokens.subList(0, 1), rewriteExpression(tokens.subList(1, tokens.size())));
                out.append(opener).append(openMarker).append(ExpressionLexer.print(rest))
                        .append(lexed.trailingSpace()).append(closeText);
            }
            i = closeEnd;
        }
        return out.toString();
    }

    private static int nextOpener(String s, int from) {
        for (int i = s.indexOf('{', from); i >= 0 && i + 1 < s.length(); i = s.indexOf('{', i + 1)) {
            char c = s.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    private static int lineOf(String s, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (s.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    /** The end (exclusive) of the {@code {% endraw %}} tag that closes a raw block. */
    private static int findEndRaw(String s, int from, int line) {
        int i = from;
        while (true) {
            int open = s.indexOf("{%", i);
            if (open < 0) {
                throw new TemplateException("template syntax error: {% raw %} on line " + line + " is never closed");
            }
            int j = open + 2;
            if (j < s.length() && (s.charAt(j) == '-' || s.charAt(j) == '+')) {
                j++;
            }
            while (j < s.length() && Character.isWhitespace(s.charAt(j))) {
                j++;
            }
            if (s.startsWith("endraw", j)) {
                int close = s.indexOf("%}", j);
                if (close < 0) {
                    throw new TemplateException("template syntax error: unclosed endraw tag after line " + line);
                }
                return close + 2;
            }
            i = open + 2;
        }
    }

    // ---- expressions ----

    private List<Token> rewriteExpression(List<Token> tokens) {
        for (int i = 0; i + 1 < tokens.size(); i++) {
            if (tokens.get(i).is("|") && tokens.get(i + 1).kind() == Kind.NAME) {
                filterNames.add(tokens.get(i + 1).text());
            }
        }
        return ExpressionRewrites.keywordArguments(ExpressionRewrites.slices(ExpressionRewrites.pythonLiterals(tokens)));
    }

    // ---- for loops ----

    private String rewriteFor(List<Token> tokens, String openMarker, String trailingSpace, String closeText, int line) {
        List<Token> rest = tokens.subList(1, tokens.size());
        int in = TokenBrackets.indexOfTopLevel(rest, "in", 0);
        if (in < 1) {
            throw new TemplateException("template syntax error on line " + line + ": expected 'for TARGET in ITERABLE'");
        }
        List<Token> target = rest.subList(0, in);
        int filter = TokenBrackets.indexOfTopLevel(rest, "if", in + 1);
        int iterEnd = filter >= 0 ? filter : rest.size();
        List<Token> iterable = rest.subList(in + 1, iterEnd);
        List<Token> condition = filter >= 0 ? rest.subList(filter + 1, rest.size()) : List.of();
        List<Token> tail = condition.isEmpty() ? iterable : condition;
        if (!tail.isEmpty() && tail.getLast().is("recursive")) {
            throw new TemplateException("template on line " + line + ": recursive for loops are not supported");
        }
        if (iterable.isEmpty() || (filter >= 0 && condition.isEmpty())) {
            throw new TemplateException("template syntax error on line " + line + ": incomplete for loop");
        }
        String targetText = ExpressionLexer.print(target).strip();
        String iterText = ITER_FUNCTION + "(" + ExpressionLexer.print(rewriteExpression(iterable)).strip() + ")";
        if (condition.isEmpty()) {
            return "{%" + openMarker + " for " + targetText + " in " + iterText + trailingSpace + closeText;
        }
        String kept = "__q4j_filtered" + (filteredLoops++);
        String item = TokenBrackets.splitTopLevel(target, 0, target.size(), ",").size() > 1 ? "[" + targetText + "]" : targetText;
        return "{%" + openMarker + " set " + kept + " = [] %}"
                + "{% for " + targetText + " in " + iterText + " %}"
                + "{% if " + ExpressionLexer.print(rewriteExpression(condition)).strip() + " %}"
                + "{% do " + kept + ".append(" + item + ") %}{% endif %}{% endfor %}"
                + "{% for " + targetText + " in " + ITER_FUNCTION + "(" + kept + ")" + trailingSpace + closeText;
    }

    private static List<Token> concat(List<Token> a, List<Token> b) {
        List<Token> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
