package io.qwen4j.server;

import io.qwen4j.InvalidInputException;
import java.util.List;

/**
 * The name under which reasoning text is sent ({@code --reasoning-field}): DeepSeek/vLLM's
 * {@code reasoning_content} (the default), {@code reasoning} as vLLM ≥ 0.11 and Ollama name it, or both.
 */
public enum ReasoningField {
    REASONING_CONTENT(List.of("reasoning_content")),
    REASONING(List.of("reasoning")),
    BOTH(List.of("reasoning_content", "reasoning"));

    public final List<String> names;

    ReasoningField(List<String> names) {
        this.names = names;
    }

    public static ReasoningField parse(String value) {
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "reasoning_content" -> REASONING_CONTENT;
            case "reasoning" -> REASONING;
            case "both" -> BOTH;
            default -> throw new InvalidInputException(
                    "unknown reasoning field '" + value + "' (expected reasoning_content, reasoning or both)");
        };
    }
}
