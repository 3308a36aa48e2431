package io.qwen4j.chat.constrain;

import com.fasterxml.jackson.databind.node.TextNode;
import io.qwen4j.chat.parse.ToolSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Hermes JSON calls as the Qwen2.5/Qwen3 templates write them:
 * {@code <tool_call>\n{"name": "NAME", "arguments": ARGS}\n</tool_call>}, NAME one of the tools, ARGS a
 * JSON object valid for its parameters. Strings may not contain {@code </tool_call>}, which the parser
 * would take for the end of the block (JSON can write it as {@code <\/tool_call>}).
 */
final class HermesCalls implements CallGrammar {
    private static final byte[] PREFIX = "<tool_call>\n{\"name\": \"".getBytes(StandardCharsets.UTF_8);
    private static final String SUFFIX = "}\n</tool_call>";

    private record Tool(String nameThenArguments, Schema.ObjectType parameters) {}

    private final List<Tool> tools = new ArrayList<>();
    private final JsonContext context;

    HermesCalls(List<ToolSpec> specs, JsonLimits limits) {
        for (ToolSpec spec : specs) {
            String quoted = SchemaCompiler.write(TextNode.valueOf(spec.name()));
            tools.add(new Tool(quoted.substring(1) + ", \"arguments\": ", CallGrammar.parameters(spec.parameters())));
        }
        this.context = new JsonContext(limits, new TextGuard(List.of("</tool_call>")));
    }

    @Override
    public MatchState call(MatchState after) {
        return new MatchState.Literal(PREFIX, 0, names(after));
    }

    @Override
    public MatchState afterOpenTag(MatchState after) {
        return new MatchState.Literal(PREFIX, OPEN_TAG_LENGTH, names(after));
    }

    private MatchState names(MatchState after) {
        List<MatchState> options = new ArrayList<>();
        for (Tool tool : tools) {
            MatchState arguments = JsonGrammar.value(tool.parameters(), MatchState.Literal.of(SUFFIX, after), context, 0);
            options.add(MatchState.Literal.of(tool.nameThenArguments(), arguments));
        }
        return MatchState.Alternatives.of(options);
    }
}
