package io.qwen4j.chat.constrain;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.InvalidInputException;
import io.qwen4j.chat.parse.ReasoningMode;
import io.qwen4j.chat.parse.ToolCallFormat;
import io.qwen4j.chat.parse.ToolSpec;
import io.qwen4j.engine.TokenConstraint;
import io.qwen4j.tokenizer.Tokenizer;
import java.util.List;
import java.util.Set;

/**
 * Token constraints for forced tool calls ({@code tool_choice: "required"} or a named function): the
 * output is the template's call format around arguments valid for the tool's JSON schema, so a model
 * cannot answer in prose or invent malformed arguments. The text parses back with
 * {@link io.qwen4j.chat.parse.ChatOutputParser} into calls.
 *
 * <p>Shape of the constrained output: with thinking ({@link ReasoningMode#IN_OUTPUT} or
 * {@link ReasoningMode#IN_PROMPT}) any text until {@code </think>}; then up to two whitespace bytes and a
 * call; then, if {@code parallel}, more calls (up to two whitespace bytes before each); then an end-of-turn
 * token. Control tokens never appear inside. See {@link SchemaCompiler} for the schema subset enforced.
 */
public final class ToolCallConstraints {
    private ToolCallConstraints() {}

    /** A forced call of one of {@code allowedTools} (one tool for a named tool_choice), with default limits. */
    public static TokenConstraint forced(ToolCallFormat format, List<ToolSpec> allowedTools, boolean parallel,
            ReasoningMode mode, Tokenizer tokenizer, Set<Integer> endOfTurnIds) {
        return forced(format, allowedTools, parallel, mode, tokenizer, endOfTurnIds, JsonLimits.DEFAULTS);
    }

    public static TokenConstraint forced(ToolCallFormat format, List<ToolSpec> allowedTools, boolean parallel,
            ReasoningMode mode, Tokenizer tokenizer, Set<Integer> endOfTurnIds, JsonLimits limits) {
        if (allowedTools.isEmpty()) {
            throw new InvalidInputException("a forced tool call needs at least one tool");
        }
        if (endOfTurnIds.isEmpty()) {
            throw new InvalidInputException("a forced tool call needs an end-of-turn token id");
        }
        CallGrammar grammar = switch (format) {
            case HERMES -> new HermesCalls(allowedTools, limits);
            case XML -> new XmlCalls(allowedTools, limits);
            case NONE -> throw new InvalidInputException("the chat template has no tool-call format, so a tool call cannot be forced");
        };
        MatchState afterCall = new BetweenCalls(grammar, parallel);
        MatchState call = MatchState.Whitespace.upTo(2, grammar.call(afterCall));
        MatchState start = mode == ReasoningMode.DISABLED ? call : FreeText.start(call, grammar.afterOpenTag(afterCall));
        return new GrammarConstraint(TokenTable.of(tokenizer), start, endOfTurnIds);
    }

    /** {@link #json(JsonNode, Tokenizer, Set, JsonLimits)} with default limits. */
    public static TokenConstraint json(JsonNode schema, Tokenizer tokenizer, Set<Integer> endOfTurnIds) {
        return json(schema, tokenizer, endOfTurnIds, JsonLimits.DEFAULTS);
    }

    /**
     * Output that is exactly one JSON value valid for {@code schema} (e.g. a {@code response_format}
     * JSON schema), then an end-of-turn token.
     */
    public static TokenConstraint json(JsonNode schema, Tokenizer tokenizer, Set<Integer> endOfTurnIds, JsonLimits limits) {
        if (endOfTurnIds.isEmpty()) {
            throw new InvalidInputException("a JSON constraint needs an end-of-turn token id");
        }
        var context = new JsonContext(limits, TextGuard.NONE);
        return new GrammarConstraint(TokenTable.of(tokenizer),
                JsonGrammar.value(SchemaCompiler.compile(schema), MatchState.END, context, 0), endOfTurnIds);
    }
}
