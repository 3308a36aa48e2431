package io.qwen4j.chat.parse;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The whole assistant message: reasoning and content are stripped of surrounding whitespace and null
 * when empty; {@code finishReason} is "tool_calls" when there are calls, else "stop".
 */
public record ParsedMessage(String reasoningContent, String content, List<ToolCall> toolCalls, String finishReason) {
    public ParsedMessage {
        toolCalls = List.copyOf(toolCalls);
    }

    /** The same message with another finish reason (e.g. "length" when generation hit its limit). */
    public ParsedMessage withFinishReason(String reason) {
        return new ParsedMessage(reasoningContent, content, toolCalls, reason);
    }

    /** {@code {"reasoning_content": str|null, "content": str|null, "tool_calls": [...], "finish_reason": ...}}. */
    public ObjectNode toJson() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("reasoning_content", reasoningContent);
        root.put("content", content);
        ArrayNode calls = root.putArray("tool_calls");
        for (int i = 0; i < toolCalls.size(); i++) {
            calls.add(toolCalls.get(i).toJson().put("index", i));
        }
        root.put("finish_reason", finishReason);
        return root;
    }
}
