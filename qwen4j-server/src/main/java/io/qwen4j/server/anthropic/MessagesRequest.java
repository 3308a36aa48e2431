package io.qwen4j.server.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.server.http.ApiException;
import io.qwen4j.server.openai.OpenAiJson;
import io.qwen4j.server.openai.RequestFields;
import io.qwen4j.server.openai.TextParts;
import java.util.List;
import java.util.Set;

/**
 * An Anthropic Messages body ({@code POST /v1/messages}) rewritten as the chat fields the chat path reads, so that
 * both APIs render, sample, constrain and parse alike. Reading it through {@link RequestFields} marks every field
 * known here; the rest are the request's unknown fields.
 *
 * <ul>
 *   <li>{@code system} (a string or text blocks) becomes a leading system message; each message's blocks are split
 *   as chat has them: an assistant's {@code thinking} becomes {@code reasoning_content}, its {@code tool_use} blocks
 *   {@code tool_calls} (the input object as the arguments' JSON); a user's {@code tool_result} blocks become tool
 *   messages, ahead of its text.</li>
 *   <li>Custom tools ({@code name}, {@code description}, {@code input_schema}); {@code tool_choice} {@code auto},
 *   {@code any} (a call is required), {@code tool} (that one), {@code none}, and
 *   {@code disable_parallel_tool_use}; {@code thinking} {@code enabled} with {@code budget_tokens} (Qwen's thinking
 *   with that budget) or {@code disabled}; {@code max_tokens} (required), {@code stop_sequences},
 *   {@code temperature}, {@code top_p}, {@code top_k}, {@code stream}.</li>
 * </ul>
 */
public final class MessagesRequest {

    /** Sampling and extension fields that mean the same in both APIs. */
    private static final List<String> SHARED = List.of("temperature", "top_p", "top_k", "stream", "seed", "min_p",
            "chat_template_kwargs");
    /** Fields about billing, telemetry and Anthropic's hosted features that change nothing here. */
    private static final List<String> WITHOUT_EFFECT = List.of("metadata", "service_tier", "context_management",
            "container", "inference_geo", "output_config");

    private MessagesRequest() {
    }

    /**
     * The chat fields of a Messages body; 400 naming the Anthropic field when something cannot be expressed. Tools
     * this server cannot offer (Anthropic's server and schema-less built-in tools) are left out and named in
     * {@code skippedTools}.
     */
    public static RequestFields toChat(RequestFields f, boolean needsMaxTokens, List<String> skippedTools) {
        WITHOUT_EFFECT.forEach(f::raw);
        if (f.raw("mcp_servers").isPresent()) {
            throw ApiException.badRequest("mcp_servers", "'mcp_servers' is not supported: give the tools as 'tools'");
        }
        ObjectNode chat = OpenAiJson.object();
        for (String name : SHARED) {
            f.raw(name).ifPresent(v -> chat.set(name, v));
        }
        if (needsMaxTokens) {
            chat.set("max_tokens", f.required("max_tokens"));
        } else {
            f.raw("max_tokens");
        }
        f.raw("stop_sequences").ifPresent(v -> chat.set("stop", v));
        ArrayNode messages = chat.putArray("messages");
        f.raw("system").ifPresent(system -> messages.addObject().put("role", "system").put("content", text(system, "system")));
        JsonNode input = f.required("messages");
        if (!input.isArray() || input.isEmpty()) {
            throw ApiException.badRequest("messages", "'messages' must be a non-empty array of messages");
        }
        for (int i = 0; i < input.size(); i++) {
            MessagesInput.append(input.get(i), "messages[" + i + "]", messages);
        }
        f.raw("tools").ifPresent(tools -> chat.set("tools", tools(tools, skippedTools)));
        f.object("tool_choice").ifPresent(choice -> toolChoice(choice, chat));
        f.object("thinking").ifPresent(thinking -> thinking(thinking, chat));
        return RequestFields.of(chat);
    }

    /**
     * Custom tools as chat's function tools. Anthropic's versioned tools (a {@code type} such as {@code bash_20250124}
     * or {@code web_search_20250305}) come without a schema the model could read, or need this server to run them:
     * they are left out, named in {@code skipped}, as Codex's hosted tools are on {@code /v1/responses}.
     */
    private static ArrayNode tools(JsonNode tools, List<String> skipped) {
        if (!tools.isArray()) {
            throw ApiException.wrongType("tools", "an array of tools", RequestFields.kind(tools));
        }
        ArrayNode out = OpenAiJson.array();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            String where = "tools[" + i + "]";
            String type = tool.path("type").asText("custom");
            if (!type.equals("custom")) {
                skipped.add(type);
                continue;
            }
            if (!tool.path("name").isTextual()) {
                throw ApiException.badRequest(where, where + ": 'name' must be a string");
            }
            ObjectNode function = OpenAiJson.object().put("name", tool.get("name").asText());
            if (tool.path("description").isTextual()) {
                function.set("description", tool.get("description"));
            }
            function.set("parameters", tool.has("input_schema") ? tool.get("input_schema") : OpenAiJson.object().put("type", "object"));
            out.addObject().put("type", "function").set("function", function);
        }
        return out;
    }

    private static void toolChoice(JsonNode choice, ObjectNode chat) {
        String type = choice.path("type").asText("");
        switch (type) {
            case "auto" -> chat.put("tool_choice", "auto");
            case "any" -> chat.put("tool_choice", "required");
            case "none" -> chat.put("tool_choice", "none");
            case "tool" -> {
                if (!choice.path("name").isTextual()) {
                    throw ApiException.badRequest("tool_choice", "'tool_choice' of type 'tool' needs the tool's 'name'");
                }
                ObjectNode named = chat.putObject("tool_choice").put("type", "function");
                named.putObject("function").put("name", choice.get("name").asText());
            }
            default -> throw ApiException.badRequest("tool_choice",
                    "'tool_choice.type' must be auto, any, tool or none, got '" + type + "'");
        }
        if (choice.path("disable_parallel_tool_use").asBoolean(false)) {
            chat.put("parallel_tool_calls", false);
        }
    }

    /** {@code enabled} (with {@code budget_tokens}: Qwen's thinking budget) or {@code adaptive} turn thinking on; {@code disabled} off. */
    private static void thinking(JsonNode thinking, ObjectNode chat) {
        String type = thinking.path("type").asText("");
        switch (type) {
            case "enabled", "adaptive" -> {
                chat.put("enable_thinking", true);
                JsonNode budget = thinking.get("budget_tokens");
                if (budget != null && !budget.isNull()) {
                    if (!budget.canConvertToInt() || budget.asInt() < 1) {
                        throw ApiException.badRequest("thinking.budget_tokens", "'thinking.budget_tokens' must be a positive integer, got " + budget);
                    }
                    chat.put("thinking_budget", budget.asInt());
                }
            }
            case "disabled" -> chat.put("enable_thinking", false);
            default -> throw ApiException.badRequest("thinking", "'thinking.type' must be enabled, adaptive or disabled, got '" + type + "'");
        }
    }

    /** A string, or text blocks joined; anything else is refused naming {@code where}. */
    static String text(JsonNode content, String where) {
        return TextParts.join(content, where, Set.of("text"), "blocks");
    }
}
