package io.qwen4j.chat.conversation;

import io.qwen4j.chat.parse.ParsedMessage;
import io.qwen4j.engine.GenerationStep;
import java.util.List;

/**
 * One answered turn: the parsed assistant message, its cost, and for inspection the prompt it answered
 * and every generated step (forced steps, e.g. a thinking budget's early-stop text, are marked).
 */
public record TurnResult(ParsedMessage message, TurnStats stats, String prompt, List<GenerationStep> steps) {

    public TurnResult {
        steps = List.copyOf(steps);
    }
}
