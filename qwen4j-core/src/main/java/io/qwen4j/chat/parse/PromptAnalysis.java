package io.qwen4j.chat.parse;

/**
 * Decides how to parse a model's output from its chat template and the prompt rendered from it.
 *
 * <p>Reasoning, in order:
 * <ol>
 *   <li>the prompt ends with a closed think block ({@code <think>\n\n</think>\n\n}, Qwen3 with
 *       {@code enable_thinking=false}): {@link ReasoningMode#DISABLED};
 *   <li>the prompt ends with an open {@code <think>} (Qwen3-2507 Thinking, QwQ): {@link ReasoningMode#IN_PROMPT};
 *   <li>the template is a hybrid thinking template, i.e. it mentions both {@code <think>} and
 *       {@code enable_thinking} (Qwen3): {@link ReasoningMode#IN_OUTPUT};
 *   <li>otherwise {@link ReasoningMode#DISABLED}. A template that mentions {@code <think>} only to replay
 *       or strip earlier reasoning (non-thinking Instruct templates) belongs to a model that does not
 *       think: reading its whole answer as an unfinished thought would lose it. Qwen2.5 and Qwen3-Coder
 *       have no thinking, so a {@code <think>} in their output is plain content.
 * </ol>
 * Call format: {@code <function=} or {@code <parameter=} in the template → XML; else {@code <tool_call>}
 * → HERMES; else NONE.
 */
public record PromptAnalysis(ReasoningMode reasoningMode, ToolCallFormat toolCallFormat) {

    public static PromptAnalysis analyze(String templateSource, String renderedPrompt) {
        return new PromptAnalysis(reasoningMode(templateSource, renderedPrompt), toolCallFormat(templateSource));
    }

    static ReasoningMode reasoningMode(String templateSource, String renderedPrompt) {
        String prompt = renderedPrompt.stripTrailing();
        if (prompt.endsWith("</think>")) {
            return ReasoningMode.DISABLED;
        }
        if (prompt.endsWith("<think>")) {
            return ReasoningMode.IN_PROMPT;
        }
        if (templateSource.contains("<think>") && templateSource.contains("enable_thinking")) {
            return ReasoningMode.IN_OUTPUT;
        }
        return ReasoningMode.DISABLED;
    }

    static ToolCallFormat toolCallFormat(String templateSource) {
        if (templateSource.contains("<function=") || templateSource.contains("<parameter=")) {
            return ToolCallFormat.XML;
        }
        return templateSource.contains("<tool_call>") ? ToolCallFormat.HERMES : ToolCallFormat.NONE;
    }
}
