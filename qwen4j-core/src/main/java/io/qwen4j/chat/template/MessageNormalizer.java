package io.qwen4j.chat.template;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.JsonErrors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns OpenAI chat-completion input into what Qwen templates expect, as vLLM does before rendering:
 * {@code tool_calls[].function.arguments} JSON strings are parsed into objects (templates iterate
 * them with {@code |items}), null content becomes "", text content parts are joined, and roles and tool
 * definitions are checked so a malformed request fails with a message naming the culprit.
 */
public final class MessageNormalizer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");

    private MessageNormalizer() {
    }

    /** Normalised deep copies of OpenAI messages. */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> messages(List<Map<String, Object>> messages) {
        if (messages == null || messages.isEmpty()) {
            throw new TemplateException("messages must be a non-empty list");
        }
        List<Map<String, Object>> out = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i) == null) {
                throw new TemplateException("message " + i + " is null");
            }
            Map<String, Object> m = (Map<String, Object>) JsonValues.copy(messages.get(i));
            Object role = m.get("role");
            if (!(role instanceof String r) || !ROLES.contains(r)) {
                throw new TemplateException("message " + i + ": unknown role " + (role == null ? "(missing)" : "'" + role + "'")
                        + "; expected one of system, user, assistant, tool");
            }
            m.put("content", content(m.get("content"), i));
            if (m.containsKey("tool_calls")) {
                normaliseToolCalls(m, i);
            }
            out.add(m);
        }
        return out;
    }

    public static List<Map<String, Object>> messages(JsonNode messages) {
        return messages(JsonValues.listOfObjects(messages, "messages"));
    }

    private static Object content(Object content, int index) {
        return switch (content) {
            case null -> "";
            case String s -> s;
            case List<?> parts -> {
                StringBuilder text = new StringBuilder();
                for (Object part : parts) {
                    if (part instanceof Map<?, ?> p && "text".equals(p.get("type")) && p.get("text") instanceof String t) {
                        text.append(t);
                    } else {
                        throw new TemplateException("message " + index + ": only text content parts are supported, got "
                                + PyValues.repr(part instanceof Map<?, ?> p ? p.get("type") : part));
                    }
                }
                yield text.toString();
            }
            default -> throw new TemplateException("message " + index + ": content must be a string, a list of text parts or null, got "
                    + PyValues.repr(content));
        };
    }

    @SuppressWarnings("unchecked")
    private static void normaliseToolCalls(Map<String, Object> message, int index) {
        Object calls = message.get("tool_calls");
        if (calls == null) {
            message.remove("tool_calls");
            return;
        }
        if (!(calls instanceof List<?> list)) {
            throw new TemplateException("message " + index + ": tool_calls must be a list");
        }
        for (int c = 0; c < list.size(); c++) {
            if (!(list.get(c) instanceof Map<?, ?> call) || !(call.get("function") instanceof Map<?, ?> fn)) {
                throw new TemplateException("message " + index + ", tool call " + c + ": expected {\"function\": {\"name\", \"arguments\"}}");
            }
            Map<String, Object> function = (Map<String, Object>) fn;
            if (!(function.get("name") instanceof String name) || name.isEmpty()) {
                throw new TemplateException("message " + index + ", tool call " + c + ": function.name is missing");
            }
            Object arguments = function.get("arguments");
            if (arguments instanceof String text) {
                function.put("arguments", parseArguments(text, index, c, name));
            } else if (arguments == null) {
                function.put("arguments", new LinkedHashMap<>());
            }
        }
    }

    private static Object parseArguments(String text, int index, int call, String name) {
        if (text.isBlank()) {
            return new LinkedHashMap<>();
        }
        try {
            return JsonValues.copy(JSON.readTree(text));
        } catch (JsonProcessingException e) {
            throw new TemplateException("message " + index + ", tool call " + call + " ('" + name
                    + "'): arguments are not valid JSON: " + JsonErrors.describe(e));
        }
    }

    /** Checks OpenAI tool definitions and returns deep copies; a tool without parameters is fine. */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> tools(List<Map<String, Object>> tools) {
        if (tools == null) {
            return null;
        }
        List<Map<String, Object>> out = new ArrayList<>(tools.size());
        for (int i = 0; i < tools.size(); i++) {
            if (!(JsonValues.copy(tools.get(i)) instanceof Map<?, ?> tool)) {
                throw new TemplateException("tools[" + i + "] must be an object");
            }
            Object type = tool.get("type");
            if (type != null && !"function".equals(type)) {
                throw new TemplateException("tools[" + i + "]: unsupported type '" + type + "' (only \"function\")");
            }
            if (!(tool.get("function") instanceof Map<?, ?> function)) {
                throw new TemplateException("tools[" + i + "]: missing \"function\" object");
            }
            if (!(function.get("name") instanceof String name) || name.isEmpty()) {
                throw new TemplateException("tools[" + i + "]: function.name must be a non-empty string");
            }
            Object parameters = function.get("parameters");
            if (parameters != null && !(parameters instanceof Map)) {
                throw new TemplateException("tools[" + i + "] ('" + name + "'): parameters must be a JSON schema object");
            }
            out.add((Map<String, Object>) tool);
        }
        return out;
    }

    public static List<Map<String, Object>> tools(JsonNode tools) {
        return tools == null || tools.isNull() ? null : tools(JsonValues.listOfObjects(tools, "tools"));
    }
}
