package io.qwen4j.chat.parse;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A finished tool call; {@code arguments} is a JSON object as a string, as OpenAI sends it. */
public record ToolCall(String id, String name, String arguments) {
    /** {@code {"id", "type": "function", "function": {"name", "arguments"}}}. */
    public ObjectNode toJson() {
        ObjectNode call = Json.MAPPER.createObjectNode().put("id", id).put("type", "function");
        call.putObject("function").put("name", name).put("arguments", arguments);
        return call;
    }
}
