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
        requireEndOfTurn(endOfTurnIds, "a forced tool call");
        CallGrammar grammar = callGrammar(format, allowedTools, limits);
        if (grammar == null) {
            throw new InvalidInputException("the chat template has no tool-call format, so a tool call cannot be forced");
        }
        return constrained(null, grammar, parallel, mode, tokenizer, endOfTurnIds);
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
        requireEndOfTurn(endOfTurnIds, "a JSON constraint");
        JsonLimits limits = JsonLimits.DEFAULTS;
        MatchState json = JsonGrammar.value(SchemaCompiler.compile(schema), MatchState.END, new JsonContext(limits, TextGuard.NONE), 0);
        return constrained(json, callGrammar(callFormat, tools, limits), parallel, mode, tokenizer, endOfTurnIds);
    }

    /** The template's call grammar over {@code tools}, or null when there are none or the template has no call format. */
    private static CallGrammar callGrammar(ToolCallFormat format, List<ToolSpec> tools, JsonLimits limits) {
        if (tools.isEmpty()) {
            return null;
        }
        return switch (format) {
            case HERMES -> new HermesCalls(tools, limits);
            case XML -> new XmlCalls(tools, limits);
            case NONE -> null;
        };
    }

    /**
     * The output both kinds share: with thinking a free thought until {@code </think>} (or a {@code <tool_call>}
     * that starts a call), then up to two whitespace bytes and {@code answer} or a call (either may be null),
     * calls followed by more calls when {@code parallel}.
     */
    private static TokenConstraint constrained(MatchState answer, CallGrammar grammar, boolean parallel, ReasoningMode mode,
            Tokenizer tokenizer, Set<Integer> endOfTurnIds) {
        MatchState afterCall = grammar == null ? null : new BetweenCalls(grammar, parallel);
        MatchState body = MatchState.Whitespace.upTo(2,
                MatchState.Alternatives.of(grammar == null ? null : grammar.call(afterCall), answer));
        MatchState start = mode == ReasoningMode.DISABLED ? body
                : FreeText.start(body, grammar == null ? null : grammar.afterOpenTag(afterCall));
        return new GrammarConstraint(TokenTable.of(tokenizer), start, endOfTurnIds);
    }

    private static void requireEndOfTurn(Set<Integer> endOfTurnIds, String what) {
        if (endOfTurnIds.isEmpty()) {
            throw new InvalidInputException(what + " needs an end-of-turn token id");
        }
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
        requireEndOfTurn(endOfTurnIds, "a JSON constraint");
        var context = new JsonContext(limits, TextGuard.NONE);
        return new GrammarConstraint(TokenTable.of(tokenizer),
                JsonGrammar.value(SchemaCompiler.compile(schema), MatchState.END, context, 0), endOfTurnIds);
    }
}
