package io.qwen4j.chat.template;

import io.qwen4j.chat.template.ExpressionLexer.Token;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;

/**
 * The {@code else} branch of a for loop, which Jinjava lacks (it renders the else body inside every
 * iteration and never for an empty loop). {@link SourceRewriter} reports every block tag here, so an
 * {@code else} can be told apart from an {@code if}'s. When a loop has one, its for tag is re-emitted
 * to keep its items in a variable first, the {@code else} becomes {@code {% endfor %}{% if not items %}}
 * and the loop's {@code endfor} an {@code endif}: Jinja2 runs the else body when nothing was iterated,
 * after any {@code if} filter.
 */
final class LoopElse {
    /** Jinja2's tags that take an end tag (a {@code set} only in its block form, without '='). */
    private static final Set<String> BLOCK_TAGS = Set.of("for", "if", "macro", "call", "filter", "with", "block",
            "autoescape", "generation");

    /** An open block and, for a loop, where its for tag was written and how to write it again. */
    private static final class Open {
        final String tag;
        final int outStart;
        final int outEnd;
        final List<Token> tokens;
        final String trailingSpace;
        final int line;
        boolean hasElse;

        Open(String tag, int outStart, int outEnd, List<Token> tokens, String trailingSpace, int line) {
            this.tag = tag;
            this.outStart = outStart;
            this.outEnd = outEnd;
            this.tokens = tokens;
            this.trailingSpace = trailingSpace;
            this.line = line;
        }
    }

    private final Deque<Open> open = new ArrayDeque<>();

    /** Called after every tag is written to the output, at [outStart, outEnd). */
    void track(String tag, List<Token> tokens, int outStart, int outEnd, String trailingSpace, int line) {
        boolean setBlock = tag.equals("set") && TokenBrackets.indexOfTopLevel(tokens, "=", 1) < 0;
        if (BLOCK_TAGS.contains(tag) || setBlock) {
            open.push(new Open(tag, outStart, outEnd, tokens, trailingSpace, line));
        } else if (tag.startsWith("end") && !open.isEmpty() && !tag.equals("endfor")) {
            open.pop();
        }
    }

    /** The text for an {@code else} tag, or null when it belongs to an {@code if}. */
    String elseOfLoop(SourceRewriter rewriter, StringBuilder out, String trailingSpace) {
        Open loop = open.peek();
        if (loop == null || !loop.tag.equals("for")) {
            return null;
        }
        loop.hasElse = true;
        out.replace(loop.outStart, loop.outEnd, rewriter.rewriteFor(loop.tokens, loop.trailingSpace, loop.line, true));
        return "{% endfor %}{% if not " + rewriter.lastLoopItems + trailingSpace + "%}";
    }

    /** The text for an {@code endfor} tag: {@code endif} when the loop had an else branch. */
    String endOfLoop(String trailingSpace) {
        Open loop = open.isEmpty() ? null : open.pop();
        return loop != null && loop.hasElse ? "{% endif" + trailingSpace + "%}" : null;
    }
}
