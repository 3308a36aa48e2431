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
 *   <li>{@code {% for %}…{% else %}…{% endfor %}}: Jinjava has no loop else ({@link LoopElse}).</li>
 *   <li>{@code {% generation %}…{% endgeneration %}} (transformers' AssistantTracker, which marks the
 *       assistant's tokens for training masks and renders the body unchanged) → an always-true
 *       {@code if} block.</li>
 * </ol>
 */
final class SourceRewriter {

    static final String SLICE_FUNCTION = "q4j_slice";
    static final String ITER_FUNCTION = "q4j_iter";
    static final String VARIABLE_FUNCTION = "q4j_var";

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
        // Whitespace control is applied here (JinjaWhitespace); tags reach Jinjava without -/+ markers.
        JinjaWhitespace.After after = JinjaWhitespace.After.NOTHING;
        boolean lineStarting = true;
        while (i < source.length()) {
            int open = nextOpener(source, i);
            String text = JinjaWhitespace.afterTag(source.substring(i, open < 0 ? source.length() : open), after);
            if (open < 0) {
                out.append(text);
                break;
            }
            String opener = source.substring(open, open + 2);
            int line = lineOf(source, open);
            int bodyStart = open + 2;
            char marker = 0;
            if (bodyStart < source.length() && (source.charAt(bodyStart) == '-' || source.charAt(bodyStart) == '+')) {
                marker = source.charAt(bodyStart);
                bodyStart++;
            }
            out.append(JinjaWhitespace.beforeTag(text, marker, !opener.equals("{{"), lineStarting));
            if (opener.equals("{#")) {
                int end = source.indexOf("#}", bodyStart);
                if (end < 0) {
                    throw new TemplateException("template syntax error: unclosed comment opened on line " + line);
                }
                char closeMarker = source.charAt(end - 1);
                String closeText = (closeMarker == '-' || closeMarker == '+') && end - 1 >= bodyStart
                        ? closeMarker + "#}" : "#}";
                i = end + 2;
                after = JinjaWhitespace.after(closeText, true);
                lineStarting = JinjaWhitespace.lineStartsAfter(source, i, after);
                continue;
            }
            String closer = opener.equals("{{") ? "}}" : "%}";
            ExpressionLexer.Lexed lexed = ExpressionLexer.lex(source, bodyStart, closer, line);
            int closeStart = lexed.end();
            int closeEnd = source.indexOf(closer, closeStart) + 2;
            String closeText = source.substring(closeStart, closeEnd);
            List<Token> tokens = lexed.tokens();
            if (opener.equals("{{")) {
                List<Token> expression = rewriteExpression(tokens);
                // Jinjava reads "{{ -1 }}" as whitespace control; Jinja2 only "{{-1 }}".
                boolean signFirst = !expression.isEmpty() && (expression.getFirst().is("-") || expression.getFirst().is("+"));
                out.append("{{").append(signFirst ? " (" : "").append(ExpressionLexer.print(expression))
                        .append(signFirst ? ")" : "").append(lexed.trailingSpace()).append("}}");
                i = closeEnd;
                after = JinjaWhitespace.after(closeText, false);
                lineStarting = JinjaWhitespace.lineStartsAfter(source, i, after);
                continue;
            }
            String tagName = tokens.isEmpty() ? "" : tokens.getFirst().text();
            if (tagName.equals("raw")) {
                i = appendRaw(source, closeEnd, closeText, line, out);
                after = rawAfter;
                lineStarting = rawLineStarting;
                continue;
            }
            int tagStart = out.length();
            String body = switch (tagName) {
                case "for" -> rewriteFor(tokens, lexed.trailingSpace(), line, false);
                case "else" -> blocks.elseOfLoop(this, out, lexed.trailingSpace());
                case "endfor" -> blocks.endOfLoop(lexed.trailingSpace());
                // HF's AssistantTracker tag (transformers' chat environment): renders its body as it is
                case "generation" -> "{% if true" + lexed.trailingSpace() + "%}";
                case "endgeneration" -> "{% endif" + lexed.trailingSpace() + "%}";
                default -> null;
            };
            if (body != null) {
                out.append(body);
            } else {
                // Macro and call signatures: only None/True/False in default values are rewritten.
                List<Token> rest = tagName.equals("macro") || tagName.equals("call")
                        ? ExpressionRewrites.pythonLiterals(tokens)
                        : tokens.isEmpty() ? tokens : concat(tokens.subList(0, 1), rewriteExpression(tokens.subList(1, tokens.size())));
                out.append("{%").append(ExpressionLexer.print(rest)).append(lexed.trailingSpace()).append("%}");
            }
            blocks.track(tagName, tokens, tagStart, out.length(), lexed.trailingSpace(), line);
            i = closeEnd;
            after = JinjaWhitespace.after(closeText, true);
            lineStarting = JinjaWhitespace.lineStartsAfter(source, i, after);
        }
        return out.toString();
    }

    private final LoopElse blocks = new LoopElse();

    private JinjaWhitespace.After rawAfter;
    private boolean rawLineStarting;

    /**
     * Appends a raw block, its content verbatim but for Jinja2's whitespace control: {@code {% raw %}}
     * never trims the newline after it (only {@code {% raw -%}} strips), the content is lstripped
     * before {@code {% endraw %}} like any text, and {@code {% endraw %}} trims as a block end.
     *
     * @return the index after {@code {% endraw %}}
     */
    private int appendRaw(String source, int contentStart, String rawCloseText, int line, StringBuilder out) {
        int[] endRaw = findEndRaw(source, contentStart, line);
        int endOpen = endRaw[0];
        int endClose = endRaw[1];
        JinjaWhitespace.After afterBegin = JinjaWhitespace.after(rawCloseText, false);
        boolean lineStarting = JinjaWhitespace.lineStartsAfter(source, contentStart, afterBegin);
        String content = JinjaWhitespace.afterTag(source.substring(contentStart, endOpen), afterBegin);
        char marker = source.charAt(endOpen + 2) == '-' || source.charAt(endOpen + 2) == '+' ? source.charAt(endOpen + 2) : 0;
        out.append("{% raw %}").append(JinjaWhitespace.beforeTag(content, marker, true, lineStarting)).append("{% endraw %}");
        String endCloseText = source.charAt(endClose - 3) == '-' || source.charAt(endClose - 3) == '+'
                ? source.substring(endClose - 3, endClose) : "%}";
        rawAfter = JinjaWhitespace.after(endCloseText, true);
        rawLineStarting = JinjaWhitespace.lineStartsAfter(source, endClose, rawAfter);
        return endClose;
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

    /** Where the {@code {% endraw %}} tag closing a raw block starts and ends (exclusive). */
    private static int[] findEndRaw(String s, int from, int line) {
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
                return new int[] {open, close + 2};
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
        return separateClosingBraces(ExpressionRewrites.notOperands(ExpressionRewrites.keywordArguments(
                ExpressionRewrites.testOperands(ExpressionRewrites.slices(ExpressionRewrites.pythonLiterals(tokens))))));
    }

    /**
     * Puts a space between two closing braces ({@code {'c': {'d': 1}} }}): Jinjava ends an expression
     * at the first {@code }}}, Jinja2's lexer only at one outside brackets.
     */
    private static List<Token> separateClosingBraces(List<Token> tokens) {
        List<Token> out = new ArrayList<>(tokens);
        for (int i = 1; i < out.size(); i++) {
            Token t = out.get(i);
            if (t.kind() == Kind.OP && t.is("}") && t.spaceBefore().isEmpty()
                    && out.get(i - 1).kind() == Kind.OP && (out.get(i - 1).is("}") || out.get(i - 1).is("%"))) {
                out.set(i, t.withSpace(" "));
            }
        }
        return out;
    }

    // ---- for loops ----

    /**
     * A for tag, as Jinjava parses it. With {@code forElse} the items are first kept in a variable,
     * whose name {@link #lastLoopItems} then holds, so an {@code {% else %}} can test them for emptiness.
     */
    String rewriteFor(List<Token> tokens, String trailingSpace, int line, boolean forElse) {
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
            if (forElse) {
                lastLoopItems = "__q4j_items" + (filteredLoops++);
                return "{% set " + lastLoopItems + " = " + iterText + " %}"
                        + "{% for " + targetText + " in " + lastLoopItems + trailingSpace + "%}";
            }
            return "{% for " + targetText + " in " + iterText + trailingSpace + "%}";
        }
        String kept = "__q4j_filtered" + (filteredLoops++);
        lastLoopItems = kept;
        String item = TokenBrackets.splitTopLevel(target, 0, target.size(), ",").size() > 1 ? "[" + targetText + "]" : targetText;
        return "{% set " + kept + " = [] %}"
                + "{% for " + targetText + " in " + iterText + " %}"
                + "{% if " + ExpressionLexer.print(rewriteExpression(condition)).strip() + " %}"
                + "{% do " + kept + ".append(" + item + ") %}{% endif %}{% endfor %}"
                + "{% for " + targetText + " in " + ITER_FUNCTION + "(" + kept + ")" + trailingSpace + "%}";
    }

    /** The variable holding the items of the loop {@link #rewriteFor} rewrote last with its else form. */
    String lastLoopItems;

    private static List<Token> concat(List<Token> a, List<Token> b) {
        List<Token> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
