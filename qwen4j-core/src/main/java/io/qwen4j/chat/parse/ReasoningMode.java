package io.qwen4j.chat.parse;

/**
 * Where the model's thought begins, decided from the rendered prompt (see {@link PromptAnalysis}).
 *
 * <p>In both thinking modes everything before {@code </think>} is reasoning, and an output with no
 * {@code </think>} at all is an unfinished thought: all of it is reasoning.
 */
public enum ReasoningMode {
    /** Hybrid models with thinking on (Qwen3): the output normally opens with {@code <think>\n}. */
    IN_OUTPUT,
    /** The prompt already ends with {@code <think>\n} (Qwen3-2507 Thinking, QwQ): output is {@code thought</think>\n\nanswer}. */
    IN_PROMPT,
    /**
     * No thinking: the prompt holds an empty think block, or the template has no thinking at all
     * (Qwen2.5, Qwen3-Coder). All output is content; a stray {@code <think>} is kept as plain text,
     * because a model that was not asked to think is answering, and dropping text would lose it.
     */
    DISABLED
}
