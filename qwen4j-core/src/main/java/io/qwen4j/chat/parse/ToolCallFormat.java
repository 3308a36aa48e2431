package io.qwen4j.chat.parse;

/** How the chat template asks the model to write tool calls (see {@link PromptAnalysis}). */
public enum ToolCallFormat {
    /** No tool calls: {@code <tool_call>} is plain text. */
    NONE,
    /** Qwen2.5 / Qwen3 / 2507: {@code <tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>}. */
    HERMES,
    /** Qwen3-Coder: {@code <tool_call>\n<function=NAME>\n<parameter=P>\nvalue\n</parameter>\n</function>\n</tool_call>}. */
    XML
}
