package io.qwen4j.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.chat.parse.PromptAnalysis;
import io.qwen4j.chat.parse.ReasoningMode;
import io.qwen4j.chat.parse.ToolCallFormat;
import io.qwen4j.chat.parse.ToolSpec;
import io.qwen4j.chat.template.ChatTemplate;
import io.qwen4j.chat.template.MessageNormalizer;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.server.http.ApiException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A chat request's prompt: OpenAI messages (and tools) rendered with the model's own template, the template
 * variables decided from the request, the prompt's token ids (special tokens parsed), and how the output
 * must be read ({@link PromptAnalysis}).
 *
 * <p>Thinking on/off, strongest first: {@code chat_template_kwargs.enable_thinking}; a top-level
 * {@code enable_thinking}; {@code reasoning_effort: "none"} or {@code thinking_budget: 0} (off); Qwen3's
 * soft switch, the last {@code /think} or {@code /no_think} in a system or user message (what a Qwen3
 * model does with it is open the answer with an empty think block, so the server renders that block).
 */
public record ChatPrompt(String text, int[] tokens, PromptAnalysis analysis, List<ToolSpec> tools,
                  ToolChoices.ToolChoice toolChoice, OptionalInt thinkingBudget) {

    /** The reasoning mode and call format the output parser uses (no call format when tools are off). */
    public ToolCallFormat callFormat() {
        return tools.isEmpty() ? ToolCallFormat.NONE : analysis.toolCallFormat();
    }

    public boolean thinking() {
        return analysis.reasoningMode() != ReasoningMode.DISABLED;
    }

    public static ChatPrompt build(LoadedModel model, RequestFields fields) {
        JsonNode messages = fields.required("messages");
        if (!messages.isArray()) {
            throw ApiException.wrongType("messages", "an array of message objects", RequestFields.kind(messages));
        }
        if (messages.isEmpty()) {
            throw ApiException.badRequest("messages", "'messages' must hold at least one message");
        }
        ArrayNode copy = messages.deepCopy();
        for (int i = 0; i < copy.size(); i++) {
            if (!copy.get(i).isObject()) {
                throw ApiException.wrongType("messages", "an array of message objects", "an array holding " + RequestFields.kind(copy.get(i)));
            }
            ObjectNode m = (ObjectNode) copy.get(i);
            // OpenAI's newer name for system instructions; the templates know only "system".
            if (m.path("role").asText().equals("developer")) {
                m.put("role", "system");
            }
        }
        Optional<JsonNode> toolsNode = fields.raw("tools");
        List<ToolSpec> tools;
        try {
            tools = ToolSpec.listFromOpenAi(toolsNode.orElse(null));
        } catch (io.qwen4j.InvalidInputException e) {
            throw ApiException.badRequest("tools", e.getMessage());
        }
        ToolChoices.ToolChoice toolChoice = ToolChoices.parse(fields.raw("tool_choice"), tools);
        boolean offerTools = !tools.isEmpty() && !(toolChoice instanceof ToolChoices.ToolChoice.None);

        Map<String, Object> kwargs = templateVariables(fields, copy);
        OptionalInt budget = fields.integer("thinking_budget", 0, Integer.MAX_VALUE);

        ChatTemplate template = model.requireChatTemplate();
        List<Map<String, Object>> normalized;
        List<Map<String, Object>> renderedTools;
        try {
            normalized = MessageNormalizer.messages(copy);
            renderedTools = offerTools ? MessageNormalizer.tools(toolsNode.get()) : null;
        } catch (io.qwen4j.InvalidInputException e) {
            throw ApiException.badRequest("messages", e.getMessage());
        }
        String text = template.render(normalized, renderedTools, kwargs);
        int[] tokens = model.tokenizer().encode(text, true);
        PromptAnalysis analysis = PromptAnalysis.analyze(template.source(), text);
        return new ChatPrompt(text, tokens, analysis, offerTools ? tools : List.of(), toolChoice, budget);
    }

    private static Map<String, Object> templateVariables(RequestFields fields, ArrayNode messages) {
        Map<String, Object> kwargs = new HashMap<>();
        softSwitch(messages).ifPresent(on -> kwargs.put("enable_thinking", on));
        Optional<String> effort = fields.string("reasoning_effort");
        if (effort.isPresent() && effort.get().equals("none")) {
            kwargs.put("enable_thinking", false);
        }
        if (fields.integer("thinking_budget", 0, Integer.MAX_VALUE).orElse(-1) == 0) {
            kwargs.put("enable_thinking", false);
        }
        fields.bool("enable_thinking").ifPresent(on -> kwargs.put("enable_thinking", on));
        fields.bool("add_generation_prompt").ifPresent(on -> kwargs.put("add_generation_prompt", on));
        fields.object("chat_template_kwargs").ifPresent(extra -> extra.fields().forEachRemaining(e -> {
            Object value = RequestFields.JSON.convertValue(e.getValue(), Object.class);
            if (value != null) {
                kwargs.put(e.getKey(), value);
            }
        }));
        return kwargs;
    }

    /** The last {@code /think} (true) or {@code /no_think} (false) in system and user messages. */
    public static Optional<Boolean> softSwitch(ArrayNode messages) {
        Optional<Boolean> result = Optional.empty();
        for (JsonNode m : messages) {
            String role = m.path("role").asText();
            if (!role.equals("user") && !role.equals("system")) {
                continue;
            }
            String content = contentText(m.get("content"));
            int think = content.lastIndexOf("/think");
            int noThink = content.lastIndexOf("/no_think");
            if (think >= 0 || noThink >= 0) {
                result = Optional.of(think > noThink);
            }
        }
        return result;
    }

    private static String contentText(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        if (content.isArray()) {
            content.forEach(part -> text.append(part.path("text").asText("")));
        }
        return text.toString();
    }
}
