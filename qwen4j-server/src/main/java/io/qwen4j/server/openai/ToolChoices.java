package io.qwen4j.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.chat.constrain.ToolCallConstraints;
import io.qwen4j.chat.parse.ReasoningMode;
import io.qwen4j.chat.parse.ToolCallFormat;
import io.qwen4j.chat.parse.ToolSpec;
import io.qwen4j.engine.TokenConstraint;
import io.qwen4j.server.http.ApiException;
import io.qwen4j.tokenizer.Tokenizer;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** OpenAI's {@code tool_choice}: parsed, validated against the request's tools, and turned into a constraint. */
public final class ToolChoices {

    /** What the request allows or demands. */
    public sealed interface ToolChoice {
        /** Whether the model must call a tool ({@code required} or a named function). */
        default boolean forcesCall() {
            return this instanceof Required || this instanceof Named;
        }

        /** Tools are not offered to the model at all (rendered without them). */
        record None() implements ToolChoice {
        }

        /** The model decides. */
        record Auto() implements ToolChoice {
        }

        /** The model must call some tool. */
        record Required() implements ToolChoice {
        }

        /** The model must call this tool. */
        record Named(String name) implements ToolChoice {
        }
    }

    private ToolChoices() {
    }

    /** Absent: {@code auto} with tools, {@code none} without (OpenAI's defaults). */
    public static ToolChoice parse(Optional<JsonNode> value, List<ToolSpec> tools) {
        if (value.isEmpty()) {
            return tools.isEmpty() ? new ToolChoice.None() : new ToolChoice.Auto();
        }
        JsonNode v = value.get();
        ToolChoice choice;
        if (v.isTextual()) {
            choice = switch (v.asText()) {
                case "none" -> new ToolChoice.None();
                case "auto" -> new ToolChoice.Auto();
                case "required" -> new ToolChoice.Required();
                default -> throw ApiException.badRequest("tool_choice",
                        "tool_choice must be \"none\", \"auto\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": …}}, got \""
                                + v.asText() + "\"");
            };
        } else if (v.isObject()) {
            JsonNode type = v.get("type");
            if (type != null && !type.isNull() && !"function".equals(type.asText())) {
                throw ApiException.badRequest("tool_choice", "tool_choice.type must be \"function\", got " + type);
            }
            JsonNode function = v.get("function");
            JsonNode name = function == null ? null : function.get("name");
            if (name == null || !name.isTextual() || name.asText().isEmpty()) {
                throw ApiException.badRequest("tool_choice", "tool_choice.function.name must be a non-empty string");
            }
            choice = new ToolChoice.Named(name.asText());
        } else {
            throw ApiException.wrongType("tool_choice", "a string or an object", RequestFields.kind(v));
        }
        if (choice.forcesCall() && tools.isEmpty()) {
            throw ApiException.badRequest("tool_choice", "tool_choice " + v + " needs a non-empty 'tools' list");
        }
        if (choice instanceof ToolChoice.Named named && tools.stream().noneMatch(t -> t.name().equals(named.name()))) {
            throw ApiException.badRequest("tool_choice", "tool_choice names the function '" + named.name()
                    + "', which is not in 'tools' (" + String.join(", ", tools.stream().map(ToolSpec::name).toList()) + ")");
        }
        return choice;
    }

    /**
     * The decoding constraint that makes a forced call ({@code required} or named) come out in the
     * template's call format with schema-valid arguments; null = unconstrained ({@code auto}, {@code none}).
     * Called once per choice: a constraint tracks its own position in the output. With thinking on, the
     * thought stays free until {@code </think>}; the call follows it.
     */
    public static TokenConstraint constraintFor(ToolChoice choice, List<ToolSpec> tools, ToolCallFormat format,
            ReasoningMode mode, boolean parallel, Tokenizer tokenizer, Set<Integer> endOfTurnIds) {
        return switch (choice) {
            case ToolChoice.None n -> null;
            case ToolChoice.Auto a -> null;
            case ToolChoice.Required r -> ToolCallConstraints.forced(format, tools, parallel, mode, tokenizer, endOfTurnIds);
            case ToolChoice.Named named -> ToolCallConstraints.forced(format,
                    tools.stream().filter(t -> t.name().equals(named.name())).toList(), false, mode, tokenizer, endOfTurnIds);
        };
    }
}
