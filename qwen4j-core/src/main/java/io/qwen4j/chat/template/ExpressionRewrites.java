package io.qwen4j.chat.template;

import io.qwen4j.chat.template.ExpressionLexer.Kind;
import io.qwen4j.chat.template.ExpressionLexer.Token;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The token-level rewrites {@link SourceRewriter} applies inside expressions: Python literals, slices as
 * {@code q4j_slice(...)} calls, and parenthesised keyword-argument values. Each maps a Jinja2 construct
 * Jinjava parses differently to an exact equivalent.
 */
final class ExpressionRewrites {

    private static final Set<String> KEYWORDS = Set.of("and", "or", "not", "in", "is", "if", "else");

    private ExpressionRewrites() {
    }

    /**
     * Names that are operators in Jinjava's EL ({@code empty x}, {@code a mod b}, {@code a lt b}) and
     * plain variable names in Jinja2; as a variable, each is read through {@link PyFunctions#variable}.
     */
    private static final Set<String> EL_KEYWORDS = Set.of("empty", "div", "mod", "eq", "ne", "lt", "gt", "le", "ge",
            "instanceof");

    static List<Token> pythonLiterals(List<Token> tokens) {
        List<Token> out = new ArrayList<>(tokens.size());
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            boolean attribute = i > 0 && tokens.get(i - 1).is(".");
            if (t.kind() == Kind.STRING) {
                String text = PyStringLiterals.decode(t.text().substring(1, t.text().length() - 1));
                // Adjacent literals are one string in Python: 'a' 'b' is 'ab'.
                while (i + 1 < tokens.size() && tokens.get(i + 1).kind() == Kind.STRING) {
                    String next = tokens.get(++i).text();
                    text += PyStringLiterals.decode(next.substring(1, next.length() - 1));
                }
                t = new Token(Kind.STRING, PyStringLiterals.quote(text, t.text().charAt(0)), t.spaceBefore());
            } else if (t.kind() == Kind.NAME && attribute && EL_KEYWORDS.contains(t.text())
                    && !(i + 1 < tokens.size() && tokens.get(i + 1).is("("))) {
                // x.empty: EL wants an identifier after the dot; x['empty'] is what Jinja2's getattr falls back to.
                out.removeLast();
                out.add(Token.op("["));
                out.add(new Token(Kind.STRING, "'" + t.text() + "'", ""));
                t = Token.op("]");
            } else if (t.kind() == Kind.NAME && !attribute) {
                switch (t.text()) {
                    case "True" -> t = new Token(Kind.NAME, "true", t.spaceBefore());
                    case "False" -> t = new Token(Kind.NAME, "false", t.spaceBefore());
                    case "None" -> t = new Token(Kind.NAME, "none", t.spaceBefore());
                    default -> {
                        if (isKeywordVariable(tokens, i)) {
                            out.add(new Token(Kind.NAME, SourceRewriter.VARIABLE_FUNCTION, t.spaceBefore()));
                            out.add(Token.op("("));
                            out.add(new Token(Kind.STRING, "'" + t.text() + "'", ""));
                            t = Token.op(")");
                        }
                    }
                }
            }
            out.add(t);
        }
        return out;
    }

    /** An EL keyword used as a variable: not a test name ({@code is eq 7}), assignment target or keyword argument. */
    private static boolean isKeywordVariable(List<Token> tokens, int i) {
        if (!EL_KEYWORDS.contains(tokens.get(i).text())) {
            return false;
        }
        Token before = i > 0 ? tokens.get(i - 1) : null;
        Token after = i + 1 < tokens.size() ? tokens.get(i + 1) : null;
        boolean testName = before != null && (before.is("is") || (before.is("not") && i > 1 && tokens.get(i - 2).is("is")));
        boolean target = after != null && after.is("=");
        return !testName && !target;
    }

    /** True if a token can end an operand, so that a following '[' or '(' is a subscript or call. */
    static boolean endsOperand(Token t) {
        return switch (t.kind()) {
            case NAME -> !KEYWORDS.contains(t.text());
            case STRING, NUMBER -> true;
            case OP -> t.is(")") || t.is("]") || t.is("}");
        };
    }

    static List<Token> slices(List<Token> tokens) {
        List<Token> current = tokens;
        while (true) {
            int open = findSliceSubscript(current);
            if (open < 0) {
                return current;
            }
            int close = TokenBrackets.matching(current, open);
            int start = operandStart(current, open - 1);
            List<List<Token>> parts = TokenBrackets.splitTopLevel(current, open + 1, close, ":");
            if (parts.size() > 3) {
                throw new TemplateException("template syntax error: slice with more than two ':' in '"
                        + ExpressionLexer.print(current).strip() + "'");
            }
            List<Token> call = new ArrayList<>();
            call.add(new Token(Kind.NAME, SourceRewriter.SLICE_FUNCTION, current.get(start).spaceBefore()));
            call.add(Token.op("("));
            List<Token> operand = new ArrayList<>(current.subList(start, open));
            operand.set(0, operand.getFirst().withSpace(""));
            call.addAll(operand);
            for (int p = 0; p < 3; p++) {
                call.add(Token.op(","));
                List<Token> part = p < parts.size() ? parts.get(p) : List.of();
                if (part.isEmpty()) {
                    call.add(new Token(Kind.NAME, "none", " "));
                } else {
                    call.addAll(part);
                }
            }
            call.add(Token.op(")"));
            List<Token> next = new ArrayList<>(current.subList(0, start));
            next.addAll(call);
            next.addAll(current.subList(close + 1, current.size()));
            current = next;
        }
    }

    /** The first '[' that subscripts an operand and holds a top-level ':' (a slice), or -1. */
    static int findSliceSubscript(List<Token> tokens) {
        for (int i = 1; i < tokens.size(); i++) {
            if (tokens.get(i).is("[") && endsOperand(tokens.get(i - 1))) {
                int close = TokenBrackets.matching(tokens, i);
                if (TokenBrackets.splitTopLevel(tokens, i + 1, close, ":").size() > 1) {
                    return i;
                }
            }
        }
        return -1;
    }

    /** Walks back from the token before a subscript to the start of its operand (a.b(c)[d].e …). */
    static int operandStart(List<Token> tokens, int pos) {
        while (true) {
            Token t = tokens.get(pos);
            if (t.is(")") || t.is("]") || t.is("}")) {
                int open = TokenBrackets.matchingBackward(tokens, pos);
                boolean postfix = !tokens.get(open).is("{") && open > 0 && endsOperand(tokens.get(open - 1));
                if (postfix) {
                    pos = open - 1;
                    continue;
                }
                return open;
            }
            if (pos >= 2 && tokens.get(pos - 1).is(".")) {
                pos -= 2;
                continue;
            }
            return pos;
        }
    }

    private static final Set<String> NOT_OPERAND_ENDS = Set.of("and", "or", "if", "else", ",", ":", ")", "]", "}");

    /**
     * Parenthesises the operand of a unary {@code not}: {@code not a == b} → {@code not (a == b)}. In Jinja2
     * {@code not} binds looser than comparisons and tighter than {@code and}/{@code or}; Jinjava binds it
     * to the next primary and then compares a boolean ({@code (not a) == b}). The operand runs to the
     * next top-level {@code and}/{@code or}/{@code if}/{@code else}, separator or closing bracket.
     */
    static List<Token> notOperands(List<Token> tokens) {
        List<Token> current = tokens;
        for (int i = 0; i < current.size(); i++) {
            Token t = current.get(i);
            boolean unary = t.kind() == Kind.NAME && t.is("not")
                    && (i == 0 || !(endsOperand(current.get(i - 1)) || current.get(i - 1).is("is")));
            if (!unary) {
                continue;
            }
            int end = i + 1;
            int depth = 0;
            while (end < current.size()) {
                Token u = current.get(end);
                if (depth == 0 && u.kind() != Kind.STRING && NOT_OPERAND_ENDS.contains(u.text())) {
                    break;
                }
                if (u.kind() == Kind.OP && (u.is("(") || u.is("[") || u.is("{"))) {
                    depth++;
                } else if (u.kind() == Kind.OP && (u.is(")") || u.is("]") || u.is("}"))) {
                    depth--;
                }
                end++;
            }
            if (end == i + 1) {
                continue;
            }
            List<Token> next = new ArrayList<>(current.subList(0, i + 1));
            next.add(new Token(Kind.OP, "(", " "));
            List<Token> operand = new ArrayList<>(current.subList(i + 1, end));
            operand.set(0, operand.getFirst().withSpace(""));
            next.addAll(operand);
            next.add(Token.op(")"));
            next.addAll(current.subList(end, current.size()));
            current = next;
        }
        return current;
    }

    private static final Set<String> TEST_OPERAND_STOPS = Set.of("and", "or", "not", "in", "if", "else", "is");

    /**
     * Parenthesises a filtered operand of {@code is}: {@code x|length is odd} → {@code (x|length) is odd}. In
     * Jinja2 a test applies to the unary expression before it, filters included; Jinjava's parser
     * rejected {@code is} after a filter. The operand is found walking back over names, literals,
     * {@code .}, {@code |} and whole bracket groups, up to an operator, a keyword or an open bracket.
     */
    static List<Token> testOperands(List<Token> tokens) {
        List<Token> current = tokens;
        for (int i = 1; i < current.size(); i++) {
            if (!(current.get(i).kind() == Kind.NAME && current.get(i).is("is"))) {
                continue;
            }
            int start = i;
            boolean filtered = false;
            for (int j = i - 1; j >= 0; j--) {
                Token u = current.get(j);
                if (u.kind() == Kind.OP && (u.is(")") || u.is("]") || u.is("}"))) {
                    j = TokenBrackets.matchingBackward(current, j);
                } else if (u.kind() == Kind.OP && !u.is("|") && !u.is(".")) {
                    break;
                } else if (u.kind() == Kind.NAME && TEST_OPERAND_STOPS.contains(u.text())
                        && !(j > 0 && (current.get(j - 1).is("|") || current.get(j - 1).is(".")))) {
                    break;
                }
                filtered |= u.kind() == Kind.OP && u.is("|");
                start = j;
            }
            if (!filtered || start == i) {
                continue;
            }
            List<Token> next = new ArrayList<>(current.subList(0, start));
            next.add(new Token(Kind.OP, "(", current.get(start).spaceBefore()));
            next.add(current.get(start).withSpace(""));
            next.addAll(current.subList(start + 1, i));
            next.add(Token.op(")"));
            next.addAll(current.subList(i, current.size()));
            current = next;
            i += 2;
        }
        return current;
    }

    /** Wraps each keyword argument's value in parentheses: {@code k=v} → {@code k=(v)}. */
    static List<Token> keywordArguments(List<Token> tokens) {
        int[] opensBefore = new int[tokens.size() + 1];
        int[] closesAfter = new int[tokens.size() + 1];
        for (int i = 1; i < tokens.size(); i++) {
            if (!(tokens.get(i).is("(") && endsOperand(tokens.get(i - 1)))) {
                continue;
            }
            int close = TokenBrackets.matching(tokens, i);
            int argStart = i + 1;
            for (List<Token> arg : TokenBrackets.splitTopLevel(tokens, i + 1, close, ",")) {
                boolean keyword = arg.size() >= 3 && arg.get(0).kind() == Kind.NAME && arg.get(1).is("=");
                if (keyword) {
                    opensBefore[argStart + 2]++;
                    closesAfter[argStart + arg.size() - 1]++;
                }
                argStart += arg.size() + 1;
            }
        }
        List<Token> out = new ArrayList<>(tokens.size());
        for (int i = 0; i < tokens.size(); i++) {
            for (int k = 0; k < opensBefore[i]; k++) {
                out.add(Token.op("("));
            }
            out.add(tokens.get(i));
            for (int k = 0; k < closesAfter[i]; k++) {
                out.add(Token.op(")"));
            }
        }
        return out;
    }
}
