package io.qwen4j.chat.conversation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.chat.parse.ParsedMessage;
import io.qwen4j.chat.parse.ToolCall;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The history of one chat, in the shape chat templates read ({@code {"role", "content", …}} maps): an
 * optional system prompt, then alternating user and assistant turns, plus whether the next turns think
 * (the {@code enable_thinking} template variable).
 *
 * <p>User text is kept verbatim: Qwen3's soft switches {@code /think} and {@code /no_think} typed inside a
 * message stay in it for the model to read, as in HF. Assistant turns keep their reasoning as
 * {@code reasoning_content}; the template decides whether to replay it (Qwen3 drops thoughts of turns
 * before the last user message).
 */
public final class Conversation {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String systemPrompt;
    private final List<Map<String, Object>> turns = new ArrayList<>();
    private boolean thinkingEnabled;

    /** @param systemPrompt the system message, or null for none (the template may add its default) */
    public Conversation(String systemPrompt, boolean thinkingEnabled) {
        this.systemPrompt = systemPrompt;
        this.thinkingEnabled = thinkingEnabled;
    }

    public boolean thinkingEnabled() {
        return thinkingEnabled;
    }

    /** Thinking on or off for the next turns ({@code /think}, {@code /no_think} as REPL commands). */
    public void setThinkingEnabled(boolean enabled) {
        thinkingEnabled = enabled;
    }

    public String systemPrompt() {
        return systemPrompt;
    }

    public void addUser(String text) {
        turns.add(message("user", text));
    }

    /** Appends the assistant's answer: content (never null), reasoning when there was any, tool calls. */
    public void addAssistant(ParsedMessage answer) {
        Map<String, Object> message = message("assistant", answer.content() == null ? "" : answer.content());
        if (answer.reasoningContent() != null) {
            message.put("reasoning_content", answer.reasoningContent());
        }
        if (!answer.toolCalls().isEmpty()) {
            List<Map<String, Object>> calls = new ArrayList<>();
            for (ToolCall call : answer.toolCalls()) {
                Map<String, Object> function = new LinkedHashMap<>();
                function.put("name", call.name());
                function.put("arguments", argumentsObject(call.arguments()));
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("id", call.id());
                entry.put("type", "function");
                entry.put("function", function);
                calls.add(entry);
            }
            message.put("tool_calls", calls);
        }
        turns.add(message);
    }

    /** Drops the last message (a user turn whose answer failed, e.g. it did not fit the context). */
    public void removeLast() {
        if (!turns.isEmpty()) {
            turns.removeLast();
        }
    }

    /** Forgets every turn; the system prompt and the thinking setting stay. */
    public void reset() {
        turns.clear();
    }

    /** User and assistant messages so far (the system prompt not counted). */
    public int size() {
        return turns.size();
    }

    /** The messages to render: the system prompt (if any) and every turn, as fresh mutable copies. */
    public List<Map<String, Object>> messages() {
        List<Map<String, Object>> all = new ArrayList<>();
        if (systemPrompt != null) {
            all.add(message("system", systemPrompt));
        }
        for (Map<String, Object> turn : turns) {
            all.add(new LinkedHashMap<>(turn));
        }
        return all;
    }

    private static Map<String, Object> message(String role, String content) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", role);
        message.put("content", content);
        return message;
    }

    /**
     * Templates that iterate arguments (Qwen3-Coder's {@code arguments|items}) need an object, while the
     * parser yields a JSON string, as OpenAI sends it: parse it, as vLLM does, and keep the string if it
     * is not an object.
     */
    private static Object argumentsObject(String arguments) {
        try {
            Object parsed = JSON.readValue(arguments, Object.class);
            return parsed instanceof Map<?, ?> ? parsed : arguments;
        } catch (JsonProcessingException e) {
            return arguments;
        }
    }
}
