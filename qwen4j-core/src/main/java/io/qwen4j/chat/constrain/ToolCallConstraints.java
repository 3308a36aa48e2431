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

    /**
     * An answer in a response format (OpenAI's {@code response_format} {@code json_object} or
     * {@code json_schema}): up to two whitespace bytes, one JSON value valid for {@code schema}, then an
     * end-of-turn token. With thinking ({@link ReasoningMode#IN_OUTPUT}, {@link ReasoningMode#IN_PROMPT}) the
     * thought before it stays free until {@code </think>}. With tools the model may call ({@code tool_choice}
     * {@code auto}; {@code callFormat} not NONE), a call in the template's format is the other allowed answer,
     * as OpenAI's structured outputs leave the model free to call a tool instead.
     */
    public static TokenConstraint answer(JsonNode schema, List<ToolSpec> tools, ToolCallFormat callFormat, boolean parallel,
            ReasoningMode mode, Tokenizer tokenizer, Set<Integer> endOfTurnIds) {
        if (endOfTurnIds.isEmpty()) {
            throw new InvalidInputException("a JSON constraint needs an end-of-turn token id");
        }
        JsonLimits limits = JsonLimits.DEFAULTS;
        MatchState json = JsonGrammar.value(SchemaCompiler.compile(schema), MatchState.END, new JsonContext(limits, TextGuard.NONE), 0);
        CallGrammar grammar = tools.isEmpty() ? null : switch (callFormat) {
            case HERMES -> new HermesCalls(tools, limits);
            case XML -> new XmlCalls(tools, limits);
            case NONE -> null;
        };
        MatchState afterCall = grammar == null ? null : new BetweenCalls(grammar, parallel);
        MatchState answer = MatchState.Whitespace.upTo(2,
                MatchState.Alternatives.of(grammar == null ? null : grammar.call(afterCall), json));
        MatchState start = mode == ReasoningMode.DISABLED ? answer
                : FreeText.start(answer, grammar == null ? null : grammar.afterOpenTag(afterCall));
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
