package io.qwen4j.server.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.server.http.ApiException;
import io.qwen4j.server.openai.RequestFields;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Anthropic Messages bodies as the chat fields they become, each expected value written out by hand. */
class MessagesRequestTest {

    private static RequestFields chat(String body) {
        return MessagesRequest.toChat(RequestFields.parse(body.getBytes(StandardCharsets.UTF_8)), true, new java.util.ArrayList<>());
    }

    private static JsonNode json(String text) throws Exception {
        return RequestFields.JSON.readTree(text);
    }

    @Test
    void anAgentTurnSplitsIntoChatsAssistantAndToolMessages() throws Exception {
        var c = chat("""
                {"max_tokens": 9, "system": [{"type": "text", "text": "Use tools."}], "stop_sequences": ["END"],
                 "messages": [
                  {"role": "user", "content": "Weather in Paris?"},
                  {"role": "assistant", "content": [
                    {"type": "thinking", "thinking": "One call.", "signature": "sig"},
                    {"type": "text", "text": "Let me look."},
                    {"type": "tool_use", "id": "t1", "name": "w", "input": {"city": "Paris"}}]},
                  {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "t1", "content": [{"type": "text", "text": "sun"}]},
                    {"type": "text", "text": "And tomorrow?"}]},
                  {"role": "system", "content": [{"type": "text", "text": "Reminder."}]}
                 ]}""");
        assertEquals(json("""
                [{"role": "system", "content": "Use tools."},
                 {"role": "user", "content": "Weather in Paris?"},
                 {"role": "assistant", "tool_calls": [
                   {"id": "t1", "type": "function", "function": {"name": "w", "arguments": "{\\"city\\":\\"Paris\\"}"}}],
                  "content": "Let me look.", "reasoning_content": "One call."},
                 {"role": "tool", "tool_call_id": "t1", "content": "sun"},
                 {"role": "user", "content": "And tomorrow?"},
                 {"role": "system", "content": "Reminder."}]"""), c.raw("messages").orElseThrow());
        assertEquals(9, c.raw("max_tokens").orElseThrow().asInt());
        assertEquals(json("[\"END\"]"), c.raw("stop").orElseThrow());
    }

    @Test
    void toolsToolChoiceAndThinkingTakeChatsShapes() throws Exception {
        var c = chat("""
                {"max_tokens": 9, "messages": [{"role": "user", "content": "x"}],
                 "tools": [{"name": "f", "description": "d", "input_schema": {"type": "object", "properties": {}}}],
                 "tool_choice": {"type": "tool", "name": "f", "disable_parallel_tool_use": true},
                 "thinking": {"type": "enabled", "budget_tokens": 1024}}""");
        assertEquals(json("[{\"type\": \"function\", \"function\": {\"name\": \"f\", \"description\": \"d\","
                + " \"parameters\": {\"type\": \"object\", \"properties\": {}}}}]"), c.raw("tools").orElseThrow());
        assertEquals(json("{\"type\": \"function\", \"function\": {\"name\": \"f\"}}"), c.raw("tool_choice").orElseThrow());
        assertEquals(false, c.raw("parallel_tool_calls").orElseThrow().asBoolean());
        assertEquals(true, c.raw("enable_thinking").orElseThrow().asBoolean());
        assertEquals(1024, c.raw("thinking_budget").orElseThrow().asInt());
        var any = chat("{\"max_tokens\": 1, \"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"tool_choice\": {\"type\": \"any\"},"
                + " \"thinking\": {\"type\": \"disabled\"}}");
        assertEquals("required", any.raw("tool_choice").orElseThrow().asText());
        assertEquals(false, any.raw("enable_thinking").orElseThrow().asBoolean());
    }

    @Test
    void versionedToolsAreLeftOutAndNamed() throws Exception {
        var skipped = new java.util.ArrayList<String>();
        var c = MessagesRequest.toChat(RequestFields.parse(("{\"max_tokens\": 1, \"messages\": [{\"role\": \"user\", \"content\": \"x\"}],"
                + " \"tools\": [{\"type\": \"web_search_20250305\", \"name\": \"web_search\"}, {\"name\": \"f\"}]}")
                .getBytes(StandardCharsets.UTF_8)), true, skipped);
        assertEquals(json("[{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": {\"type\": \"object\"}}}]"),
                c.raw("tools").orElseThrow());
        assertEquals(List.of("web_search_20250305"), skipped);
    }

    @Test
    void whatCannotBeExpressedIsRefusedNamingTheField() {
        record Case(String body, String param, String message) {
        }
        String user = "\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]";
        for (Case c : List.of(
                new Case("{" + user + "}", "max_tokens", "'max_tokens' is required"),
                new Case("{\"max_tokens\": 1, \"messages\": []}", "messages", "non-empty array"),
                new Case("{\"max_tokens\": 1, \"messages\": [{\"role\": \"tool\", \"content\": \"x\"}]}", "messages[0]",
                        "role must be user, assistant or system"),
                new Case("{\"max_tokens\": 1, \"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"document\"}]}]}",
                        "messages[0].content[0]", "unsupported content block of type 'document'"),
                new Case("{\"max_tokens\": 1, \"messages\": [{\"role\": \"assistant\", \"content\": [{\"type\": \"tool_use\","
                        + " \"id\": \"t\", \"name\": \"f\", \"input\": \"x\"}]}]}", "messages[0].content[0]", "'input' must be an object"),
                new Case("{\"max_tokens\": 1, " + user + ", \"tool_choice\": {\"type\": \"some\"}}", "tool_choice", "auto, any, tool or none"),
                new Case("{\"max_tokens\": 1, " + user + ", \"thinking\": {\"type\": \"enabled\", \"budget_tokens\": 0}}",
                        "thinking.budget_tokens", "positive integer"),
                new Case("{\"max_tokens\": 1, " + user + ", \"system\": [{\"type\": \"image\"}]}", "system",
                        "only text blocks are supported here"))) {
            var e = assertThrows(ApiException.class, () -> chat(c.body()), c.body());
            assertEquals(400, e.status(), c.body());
            assertEquals(c.param(), e.param(), c.body());
            assertTrue(e.getMessage().contains(c.message()), e.getMessage());
        }
    }
}
