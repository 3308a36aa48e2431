package io.qwen4j.server.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.server.http.ApiException;
import io.qwen4j.server.openai.RequestFields;

/**
 * One Anthropic message as chat messages. A user message's {@code tool_result} blocks become tool messages (first,
 * as chat wants them right after the calls) and its text one user message; an assistant message's {@code thinking},
 * {@code text} and {@code tool_use} blocks become one assistant message with {@code reasoning_content},
 * {@code content} and {@code tool_calls}; a system message (text) stays a system message where it is. Images and documents
 * are refused by name.
 */
final class MessagesInput {

    private MessagesInput() {
    }

    static void append(JsonNode message, String where, ArrayNode messages) {
        if (!message.isObject()) {
            throw ApiException.wrongType(where, "a message object", RequestFields.kind(message));
        }
        String role = message.path("role").asText("");
        JsonNode content = message.get("content");
        if (content == null || !(content.isTextual() || content.isArray())) {
            throw ApiException.badRequest(where, where + ": 'content' must be a string or an array of content blocks");
        }
        switch (role) {
            case "user" -> user(content, where, messages);
            case "assistant" -> assistant(content, where, messages);
            // Claude Code sends its reminders as system messages between the turns; the Qwen templates render them in place
            case "system" -> messages.addObject().put("role", "system").put("content", MessagesRequest.text(content, where + ".content"));
            default -> throw ApiException.badRequest(where, where + ": role must be user, assistant or system, got '" + role + "'");
        }
    }

    private static void user(JsonNode content, String where, ArrayNode messages) {
        if (content.isTextual()) {
            messages.addObject().put("role", "user").put("content", content.asText());
            return;
        }
        StringBuilder text = new StringBuilder();
        boolean hasText = false;
        for (int j = 0; j < content.size(); j++) {
            JsonNode block = content.get(j);
            String at = where + ".content[" + j + "]";
            switch (block.path("type").asText("")) {
                case "text" -> {
                    text.append(requiredText(block, "text", at));
                    hasText = true;
                }
                case "tool_result" -> {
                    JsonNode result = block.get("content");
                    String output = result == null || result.isNull() ? "" : MessagesRequest.text(result, at + ".content");
                    messages.addObject().put("role", "tool").put("tool_call_id", requiredText(block, "tool_use_id", at))
                            .put("content", output);
                }
                default -> throw unsupported(block, at);
            }
        }
        if (hasText) {
            messages.addObject().put("role", "user").put("content", text.toString());
        }
    }

    private static void assistant(JsonNode content, String where, ArrayNode messages) {
        ObjectNode m = messages.addObject().put("role", "assistant");
        if (content.isTextual()) {
            m.put("content", content.asText());
            return;
        }
        StringBuilder text = new StringBuilder();
        StringBuilder thinking = new StringBuilder();
        for (int j = 0; j < content.size(); j++) {
            JsonNode block = content.get(j);
            String at = where + ".content[" + j + "]";
            switch (block.path("type").asText("")) {
                case "text" -> text.append(requiredText(block, "text", at));
                case "thinking" -> thinking.append(requiredText(block, "thinking", at));
                case "redacted_thinking" -> {
                    // encrypted by another model: nothing a Qwen model could read
                }
                case "tool_use" -> {
                    JsonNode input = block.get("input");
                    if (input == null || !input.isObject()) {
                        throw ApiException.badRequest(at, at + ": 'input' must be an object");
                    }
                    ArrayNode calls = m.has("tool_calls") ? (ArrayNode) m.get("tool_calls") : m.putArray("tool_calls");
                    ObjectNode call = calls.addObject().put("id", requiredText(block, "id", at)).put("type", "function");
                    call.putObject("function").put("name", requiredText(block, "name", at)).put("arguments", input.toString());
                }
                default -> throw unsupported(block, at);
            }
        }
        m.put("content", text.toString());
        if (!thinking.isEmpty()) {
            m.put("reasoning_content", thinking.toString());
        }
    }

    private static ApiException unsupported(JsonNode block, String at) {
        return ApiException.badRequest(at, at + ": unsupported content block " + describe(block)
                + " (supported: text, thinking, tool_use, tool_result)");
    }

    /** A block named by its type for an error message. */
    private static String describe(JsonNode block) {
        return block.isObject() && block.path("type").isTextual() ? "of type '" + block.get("type").asText() + "'"
                : RequestFields.kind(block);
    }

    private static String requiredText(JsonNode block, String field, String at) {
        JsonNode value = block.get(field);
        if (value == null || !value.isTextual()) {
            throw ApiException.badRequest(at, at + ": '" + field + "' must be a string");
        }
        return value.asText();
    }
}
