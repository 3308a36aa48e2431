package io.qwen4j.chat.template;

import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import io.qwen4j.chat.template.ExpressionLexer.Token;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Jinja2's {@code {% with a = 1, b = x %}…{% endwith %}} and {@code {% filter f(args) %}…{% endfilter %}}
 * block tags, which Jinjava lacks. {@code with} evaluates every value in the enclosing scope, then renders
 * its body in a new scope holding them (so they vanish after {@code endwith}); {@code filter} renders its
 * body and applies the filter chain to the text. Their expressions were already rewritten by
 * {@link SourceRewriter} like any tag's.
 */
final class BlockTags {
    private static final String FILTER_INPUT = "__q4j_filter_input";

    private BlockTags() {
    }

    static void install(Context global) {
        global.registerTag(new WithTag());
        global.registerTag(new FilterTag());
    }

    private static String renderChildren(TagNode node, JinjavaInterpreter interpreter) {
        StringBuilder out = new StringBuilder();
        for (Node child : node.getChildren()) {
            out.append(child.render(interpreter).getValue());
        }
        return out.toString();
    }

    private static final class WithTag implements Tag {
        @Override
        public String getName() {
            return "with";
        }

        @Override
        public String interpret(TagNode node, JinjavaInterpreter interpreter) {
            String helpers = node.getHelpers().strip();
            List<Token> tokens = ExpressionLexer.lex(helpers + " %}", 0, "%}", node.getLineNumber()).tokens();
            Map<String, Object> values = new LinkedHashMap<>();
            for (List<Token> assignment : TokenBrackets.splitTopLevel(tokens, 0, tokens.size(), ",")) {
                if (assignment.size() < 3 || !assignment.get(1).is("=")) {
                    throw new TemplateException("template syntax error on line " + node.getLineNumber()
                            + ": expected 'name = value' in {% with %}");
                }
                String expression = ExpressionLexer.print(new ArrayList<>(assignment.subList(2, assignment.size())));
                values.put(assignment.get(0).text(), interpreter.resolveELExpression(expression.strip(), node.getLineNumber()));
            }
            try (var scope = interpreter.enterScope()) {
                values.forEach(interpreter.getContext()::put);
                return renderChildren(node, interpreter);
            }
        }
    }

    private static final class FilterTag implements Tag {
        @Override
        public String getName() {
            return "filter";
        }

        @Override
        public String interpret(TagNode node, JinjavaInterpreter interpreter) {
            String body = renderChildren(node, interpreter);
            try (var scope = interpreter.enterScope()) {
                interpreter.getContext().put(FILTER_INPUT, body);
                Object result = interpreter.resolveELExpression(FILTER_INPUT + "|" + node.getHelpers().strip(),
                        node.getLineNumber());
                return interpreter.getAsString(result);
            }
        }
    }
}
