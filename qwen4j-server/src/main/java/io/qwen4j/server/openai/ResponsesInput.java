package io.qwen4j.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.server.http.ApiException;
import java.util.Set;

/**
 * A Responses {@code input} as chat messages: a string is one user message; items are messages, the model's
 * earlier function calls, their outputs and its earlier reasoning. Errors name the item ({@code input[3]}).
 */
final class ResponsesInput {

    private static final Set<String> ROLES = Set.of("user", "system", "developer", "assistant");
    private static final Set<String> TEXT_PARTS = Set.of("input_text", "output_text", "text", "summary_text", "reasoning_text");

    private final ArrayNode messages;
    /** Reasoning items seen since the last assistant message, for the next one. */
    private final StringBuilder reasoning = new StringBuilder();
    /** The assistant message that function calls join, while nothing else has come after it. */
    private ObjectNode openAssistant;

    private ResponsesInput(ArrayNode messages) {
        this.messages = messages;
    }

    /** {@code input} as items: a string is one user message. */
    static ArrayNode items(JsonNode input) {
        if (input.isTextual()) {
            ArrayNode items = OpenAiJson.array();
            items.addObject().put("role", "user").put("content", input.asText());
            return items;
        }
        if (!input.isArray()) {
            throw ApiException.wrongType("input", "a string or an array of input items", RequestFields.kind(input));
        }
        if (input.isEmpty()) {
            throw ApiException.badRequest("input", "'input' must hold at least one item");
        }
        return (ArrayNode) input;
    }

    /**
     * Appends the chat messages of {@code items}: the first {@code earlier} come from a stored response (checked when
     * it was made), the rest are this request's {@code input}, named {@code input[i]} in errors.
     */
    static void append(ArrayNode items, int earlier, ArrayNode messages) {
        ResponsesInput reader = new ResponsesInput(messages);
        for (int i = 0; i < items.size(); i++) {
            reader.item(items.get(i), i < earlier ? "previous_response_id's item " + i : "input[" + (i - earlier) + "]");
        }
    }

    private void item(JsonNode item, String where) {
        if (!item.isObject()) {
            throw ApiException.wrongType(where, "an input item object", RequestFields.kind(item));
        }
        // an item with a role and no type is a message (the "easy input message" shape)
        String type = item.path("type").asText(item.has("role") ? "message" : "");
        switch (type) {
            case "message" -> message(item, where);
            case "function_call" -> functionCall(item, where);
            case "function_call_output" -> {
                openAssistant = null;
                messages.addObject().put("role", "tool")
                        .put("tool_call_id", requiredText(item, "call_id", where))
                        .put("content", text(item.get("output"), where + ".output"));
            }
            case "reasoning" -> reasoning.append(reasoningText(item, where));
            default -> throw ApiException.badRequest(where, where + ": unsupported input item type '" + type
                    + "' (supported: message, function_call, function_call_output, reasoning)");
        }
    }

    private void message(JsonNode item, String where) {
        String role = requiredText(item, "role", where);
        if (!ROLES.contains(role)) {
            throw ApiException.badRequest(where, where + ": role must be user, system, developer or assistant, got '" + role + "'");
        }
        ObjectNode m = messages.addObject().put("role", role.equals("developer") ? "system" : role);
        m.put("content", text(item.get("content"), where + ".content"));
        openAssistant = null;
        if (role.equals("assistant")) {
            takeReasoning(m);
            openAssistant = m;
        }
    }

    private void functionCall(JsonNode item, String where) {
        if (openAssistant == null) {
            openAssistant = messages.addObject().put("role", "assistant");
            openAssistant.putNull("content");
            takeReasoning(openAssistant);
        }
        ArrayNode calls = openAssistant.has("tool_calls") ? (ArrayNode) openAssistant.get("tool_calls")
                : openAssistant.putArray("tool_calls");
        ObjectNode call = calls.addObject().put("id", requiredText(item, "call_id", where)).put("type", "function");
        call.putObject("function").put("name", requiredText(item, "name", where))
                .put("arguments", requiredText(item, "arguments", where));
    }

    private void takeReasoning(ObjectNode assistant) {
        if (!reasoning.isEmpty()) {
            assistant.put("reasoning_content", reasoning.toString());
            reasoning.setLength(0);
        }
    }

    /** A reasoning item's text: its {@code content} (reasoning text) or, without it, its {@code summary}. */
    private static String reasoningText(JsonNode item, String where) {
        JsonNode content = item.get("content");
        if (content != null && !content.isNull() && !content.isEmpty()) {
            return text(content, where + ".content");
        }
        JsonNode summary = item.get("summary");
        return summary == null || summary.isNull() ? "" : text(summary, where + ".summary");
    }

    /** A string, or the text parts of an array joined; anything but text is refused by name. */
    private static String text(JsonNode content, String where) {
        return TextParts.join(content, where, TEXT_PARTS, "parts");
    }

    private static String requiredText(JsonNode item, String field, String where) {
        JsonNode value = item.get(field);
        if (value == null || !value.isTextual()) {
            throw ApiException.badRequest(where, where + ": '" + field + "' must be a string, got "
                    + (value == null ? "nothing" : RequestFields.kind(value)));
        }
        return value.asText();
    }
}
