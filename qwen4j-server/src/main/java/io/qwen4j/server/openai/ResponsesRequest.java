package io.qwen4j.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.server.http.ApiException;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code POST /v1/responses} body rewritten as the chat fields the chat path reads ({@link ChatPrompt},
 * {@link GenerationOptions}), so that both APIs render, sample, constrain and parse alike. Reading the body
 * through {@link RequestFields} marks every field known here; the rest are the request's unknown fields.
 *
 * <ul>
 *   <li>{@code instructions} becomes a leading system message; {@code input} is a string (one user message) or
 *   items: messages (text parts only), {@code function_call} (joined to the assistant message before it),
 *   {@code function_call_output} (a tool message) and {@code reasoning} (the next assistant message's
 *   {@code reasoning_content}, which the Qwen templates render for the last turn).</li>
 *   <li>Function tools in the flat Responses shape (those of a {@code namespace} one by one; hosted tools left out,
 *   {@link #skippedTools}), {@code tool_choice} (a string or {@code {"type": "function",
 *   "name"}}), {@code reasoning.effort}, {@code text.format} (as {@code response_format}) and
 *   {@code max_output_tokens}.</li>
 *   <li>{@code previous_response_id} continues a stored response ({@link ResponseStore}): its conversation, then this
 *   input; its {@code instructions} and {@code tools} are not carried over, as OpenAI's are not. Conversations
 *   objects, stored prompts and {@code background} are refused; {@code include}, {@code metadata},
 *   {@code truncation}, {@code user} and the like are accepted and have no effect.</li>
 * </ul>
 */
public record ResponsesRequest(RequestFields chat, ObjectNode settings, ArrayNode conversation, boolean store,
                               List<String> skippedTools) {

    /** Sampling and extension fields that mean the same in both APIs. */
    private static final List<String> SHARED = List.of("temperature", "top_p", "top_k", "min_p", "seed", "stream",
            "repetition_penalty", "presence_penalty", "frequency_penalty", "logit_bias", "stop", "parallel_tool_calls",
            "chat_template_kwargs", "enable_thinking", "thinking_budget", "max_output_tokens");
    /** Fields about billing, telemetry and hosted features that change nothing here. */
    private static final List<String> WITHOUT_EFFECT = List.of("include", "metadata", "truncation", "user",
            "service_tier", "prompt_cache_key", "prompt_cache_retention", "safety_identifier", "stream_options",
            "client_metadata");
    /** Fields that need server-side objects this server does not keep. */
    private static final List<String> STATEFUL = List.of("conversation", "prompt");

    /**
     * The chat fields of a Responses body, and the request's settings as a response echoes them ({@code instructions},
     * {@code max_output_tokens}, {@code tools}, {@code tool_choice}, {@code text}, {@code reasoning}, ...); 400 naming
     * the Responses field when something cannot be expressed.
     */
    public static ResponsesRequest read(RequestFields f, ResponseStore stored) {
        for (String name : STATEFUL) {
            if (f.has(name)) {
                throw ApiException.badRequest(name, "'" + name + "' is not supported: this server keeps no conversation"
                        + " or prompt objects; send the conversation as 'input' or continue one with 'previous_response_id'");
            }
        }
        if (f.bool("background").orElse(false)) {
            throw ApiException.badRequest("background", "'background' responses are not supported: a response is"
                    + " generated while its request waits (stream it to see it as it comes)");
        }
        WITHOUT_EFFECT.forEach(f::raw);
        ObjectNode chat = OpenAiJson.object();
        for (String name : SHARED) {
            f.raw(name).ifPresent(v -> chat.set(name, v));
        }
        ArrayNode messages = chat.putArray("messages");
        f.string("instructions").ifPresent(text -> messages.addObject().put("role", "system").put("content", text));
        ArrayNode conversation = OpenAiJson.array();
        f.string("previous_response_id").ifPresent(id -> conversation.addAll(stored.conversation(id).orElseThrow(() ->
                ApiException.badRequest("previous_response_id", "no stored response '" + id + "': responses are kept in memory"
                        + " (the last " + ResponseStore.MAX_RESPONSES + "), not across restarts, and not with 'store': false"))));
        int earlier = conversation.size();
        conversation.addAll(ResponsesInput.items(f.required("input")));
        ResponsesInput.append(conversation, earlier, messages);
        List<String> skipped = new ArrayList<>();
        f.raw("tools").ifPresent(tools -> chat.set("tools", tools(tools, skipped)));
        f.raw("tool_choice").ifPresent(choice -> chat.set("tool_choice", toolChoice(choice)));
        f.object("reasoning").ifPresent(reasoning -> {
            JsonNode effort = reasoning.get("effort");
            if (effort != null && !effort.isNull()) {
                if (!effort.isTextual()) {
                    throw ApiException.wrongType("reasoning.effort", "a string", RequestFields.kind(effort));
                }
                chat.set("reasoning_effort", effort);
            }
        });
        f.object("text").ifPresent(text -> {
            JsonNode format = text.get("format");
            if (format != null && !format.isNull()) {
                chat.set("response_format", responseFormat(format));
            }
        });
        boolean store = f.bool("store").orElse(true);
        return new ResponsesRequest(new RequestFields(chat), settings(f, store), conversation, store, List.copyOf(skipped));
    }

    /** What a response object repeats of its request, with the defaults of fields left out. */
    private static ObjectNode settings(RequestFields f, boolean store) {
        ObjectNode echo = OpenAiJson.object();
        echo.set("instructions", f.raw("instructions").orElse(null));
        echo.set("max_output_tokens", f.raw("max_output_tokens").orElse(null));
        echo.put("parallel_tool_calls", f.bool("parallel_tool_calls").orElse(true));
        echo.set("tool_choice", f.raw("tool_choice").orElse(RequestFields.JSON.getNodeFactory().textNode("auto")));
        echo.set("tools", f.raw("tools").orElse(OpenAiJson.array()));
        echo.set("text", f.raw("text").orElseGet(() -> {
            ObjectNode text = OpenAiJson.object();
            text.putObject("format").put("type", "text");
            return text;
        }));
        ObjectNode reasoning = echo.putObject("reasoning");
        reasoning.set("effort", f.raw("reasoning").map(r -> r.get("effort")).orElse(null));
        reasoning.putNull("summary");
        echo.set("metadata", f.raw("metadata").orElse(OpenAiJson.object()));
        echo.put("store", store);
        echo.put("background", false);
        echo.set("previous_response_id", f.raw("previous_response_id").orElse(null));
        echo.put("truncation", "disabled");
        echo.set("top_logprobs", f.raw("top_logprobs").orElse(null));
        return echo;
    }

    /**
     * Responses' flat function tools ({@code {"type": "function", "name", "description", "parameters"}}) in chat's
     * shape; a {@code namespace}'s function tools are offered one by one under their own names. Hosted tools (web
     * search, file search, code interpreter, ...: a {@code type} other than these) would need this server to run
     * them: they are left out, named in {@code skipped}, and the request goes on without them, as agents (Codex)
     * send them whatever the model.
     */
    private static ArrayNode tools(JsonNode tools, List<String> skipped) {
        if (!tools.isArray()) {
            throw ApiException.wrongType("tools", "an array of tools", RequestFields.kind(tools));
        }
        ArrayNode out = RequestFields.JSON.createArrayNode();
        addTools(tools, "tools", out, skipped);
        return out;
    }

    private static void addTools(JsonNode tools, String path, ArrayNode out, List<String> skipped) {
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            String where = path + "[" + i + "]";
            if (!tool.isObject()) {
                throw ApiException.wrongType(where, "a tool object", RequestFields.kind(tool));
            }
            String type = tool.path("type").asText("");
            if (type.equals("namespace") && tool.path("tools").isArray()) {
                addTools(tool.get("tools"), where + ".tools", out, skipped);
                continue;
            }
            if (!type.equals("function")) {
                skipped.add(type.isEmpty() ? where : type);
                continue;
            }
            if (!tool.path("name").isTextual()) {
                throw ApiException.badRequest(where, where + ": 'name' must be a string");
            }
            // "strict" (which the SDKs always send) is left out: a flag for the server, noise in the model's prompt
            ObjectNode function = present(tool, "name", "description", "parameters");
            ObjectNode chatTool = out.addObject().put("type", "function");
            chatTool.set("function", function);
        }
    }

    /** {@code "auto"}, {@code "none"}, {@code "required"} as they are; {@code {"type": "function", "name": N}} in chat's shape. */
    private static JsonNode toolChoice(JsonNode choice) {
        if (choice.isTextual()) {
            return choice;
        }
        if (!choice.isObject()) {
            throw ApiException.wrongType("tool_choice", "a string or an object", RequestFields.kind(choice));
        }
        String type = choice.path("type").asText("");
        if (!type.equals("function") || !choice.path("name").isTextual()) {
            throw ApiException.badRequest("tool_choice",
                    "'tool_choice' must be \"auto\", \"none\", \"required\" or {\"type\": \"function\", \"name\": ...}, got " + choice);
        }
        ObjectNode out = OpenAiJson.object().put("type", "function");
        out.putObject("function").put("name", choice.get("name").asText());
        return out;
    }

    /** {@code text.format} as chat's {@code response_format}: the schema fields move into {@code json_schema}. */
    private static JsonNode responseFormat(JsonNode format) {
        if (!format.isObject()) {
            throw ApiException.wrongType("text.format", "an object such as {\"type\": \"text\"}", RequestFields.kind(format));
        }
        if (!format.path("type").asText("").equals("json_schema")) {
            return format;
        }
        ObjectNode out = OpenAiJson.object().put("type", "json_schema");
        out.set("json_schema", present(format, "name", "description", "schema", "strict"));
        return out;
    }

    /** The named fields of {@code from} that are there and not null, in that order. */
    private static ObjectNode present(JsonNode from, String... fields) {
        ObjectNode out = OpenAiJson.object();
        for (String field : fields) {
            JsonNode value = from.get(field);
            if (value != null && !value.isNull()) {
                out.set(field, value);
            }
        }
        return out;
    }
}
