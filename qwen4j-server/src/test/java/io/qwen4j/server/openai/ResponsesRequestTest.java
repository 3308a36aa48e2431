package io.qwen4j.server.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.server.http.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Responses bodies as the chat fields they become, each expected value written out by hand. */
class ResponsesRequestTest {

    private static ResponsesRequest read(String body) {
        return ResponsesRequest.read(RequestFields.parse(body.replace('\'', '"').getBytes(StandardCharsets.UTF_8)), new ResponseStore());
    }

    private static JsonNode json(String text) throws Exception {
        return RequestFields.JSON.readTree(text.replace('\'', '"'));
    }

    private static JsonNode chatField(ResponsesRequest r, String name) {
        return r.chat().raw(name).orElse(null);
    }

    @Test
    void aStringInputAfterInstructionsIsASystemAndAUserMessage() throws Exception {
        var r = read("{'instructions': 'Be brief.', 'input': 'Hi', 'max_output_tokens': 5, 'temperature': 0.2}");
        assertEquals(json("[{'role': 'system', 'content': 'Be brief.'}, {'role': 'user', 'content': 'Hi'}]"), chatField(r, "messages"));
        assertEquals(5, chatField(r, "max_output_tokens").asInt());
        assertEquals(0.2, chatField(r, "temperature").asDouble());
        assertEquals("Be brief.", r.settings().get("instructions").asText());
    }

    @Test
    void anAgentTurnBecomesOneAssistantMessageWithItsReasoningAndCalls() throws Exception {
        var r = ResponsesRequest.read(RequestFields.parse("""
                {"input": [
                  {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "Use tools."}]},
                  {"role": "user", "content": "Weather in Paris and Rome?"},
                  {"type": "reasoning", "id": "rs_1", "summary": [], "content": [{"type": "reasoning_text", "text": "Two calls."}]},
                  {"type": "function_call", "call_id": "c1", "name": "w", "arguments": "{\\"city\\":\\"Paris\\"}"},
                  {"type": "function_call", "call_id": "c2", "name": "w", "arguments": "{}"},
                  {"type": "function_call_output", "call_id": "c1", "output": "sun"},
                  {"type": "function_call_output", "call_id": "c2", "output": [{"type": "input_text", "text": "rain"}]},
                  {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Sun, then rain."}]}
                ]}""".getBytes(StandardCharsets.UTF_8)), new ResponseStore());
        assertEquals(RequestFields.JSON.readTree("""
                [{"role": "system", "content": "Use tools."},
                 {"role": "user", "content": "Weather in Paris and Rome?"},
                 {"role": "assistant", "content": null, "reasoning_content": "Two calls.", "tool_calls": [
                   {"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{\\"city\\":\\"Paris\\"}"}},
                   {"id": "c2", "type": "function", "function": {"name": "w", "arguments": "{}"}}]},
                 {"role": "tool", "tool_call_id": "c1", "content": "sun"},
                 {"role": "tool", "tool_call_id": "c2", "content": "rain"},
                 {"role": "assistant", "content": "Sun, then rain."}]"""), chatField(r, "messages"));
    }

    @Test
    void toolsToolChoiceEffortAndTextFormatTakeChatsShapes() throws Exception {
        var r = read("""
                {'input': 'x', 'tools': [{'type': 'function', 'name': 'f', 'description': 'd', 'strict': true,
                  'parameters': {'type': 'object', 'properties': {}}}],
                 'tool_choice': {'type': 'function', 'name': 'f'}, 'reasoning': {'effort': 'none', 'summary': 'auto'},
                 'text': {'format': {'type': 'json_schema', 'name': 's', 'strict': true, 'schema': {'type': 'object'}}},
                 'parallel_tool_calls': false}""");
        assertEquals(json("[{'type': 'function', 'function': {'name': 'f', 'description': 'd', 'parameters': {'type': 'object', 'properties': {}}}}]"),
                chatField(r, "tools"));
        assertEquals(json("{'type': 'function', 'function': {'name': 'f'}}"), chatField(r, "tool_choice"));
        assertEquals("none", chatField(r, "reasoning_effort").asText());
        assertEquals(json("{'type': 'json_schema', 'json_schema': {'name': 's', 'schema': {'type': 'object'}, 'strict': true}}"),
                chatField(r, "response_format"));
        assertEquals(false, chatField(r, "parallel_tool_calls").asBoolean());
        // the echo keeps the request's own shapes
        assertEquals("f", r.settings().get("tools").get(0).get("name").asText());
        assertEquals("none", r.settings().get("reasoning").get("effort").asText());
    }

    @Test
    void aPreviousResponsesConversationComesFirstWithoutItsInstructions() throws Exception {
        ResponseStore store = new ResponseStore();
        var first = read("{'instructions': 'Be brief.', 'input': 'Hi'}");
        var conversation = first.conversation().deepCopy();
        conversation.add(json("{'type': 'message', 'role': 'assistant', 'content': [{'type': 'output_text', 'text': 'Hello.'}]}"));
        store.put("resp_1", RequestFields.JSON.createObjectNode(), conversation);
        var next = ResponsesRequest.read(RequestFields.parse("{\"previous_response_id\": \"resp_1\", \"input\": \"Again\"}"
                .getBytes(StandardCharsets.UTF_8)), store);
        assertEquals(json("[{'role': 'user', 'content': 'Hi'}, {'role': 'assistant', 'content': 'Hello.'},"
                + " {'role': 'user', 'content': 'Again'}]"), chatField(next, "messages"));
        assertEquals("resp_1", next.settings().get("previous_response_id").asText());
        assertTrue(next.store());
        assertEquals(false, read("{'input': 'x', 'store': false}").store());
    }

    @Test
    void theStoreForgetsTheLeastRecentlyUsedFirst() {
        ResponseStore store = new ResponseStore(2, 1 << 20);
        var empty = RequestFields.JSON.createArrayNode();
        store.put("a", RequestFields.JSON.createObjectNode(), empty);
        store.put("b", RequestFields.JSON.createObjectNode(), empty);
        store.response("a"); // a is now the more recently used
        store.put("c", RequestFields.JSON.createObjectNode(), empty);
        assertTrue(store.response("a").isPresent() && store.response("c").isPresent());
        assertTrue(store.response("b").isEmpty());
        ResponseStore small = new ResponseStore(10, 40);
        small.put("big", RequestFields.JSON.createObjectNode().put("text", "x".repeat(30)), empty);
        small.put("next", RequestFields.JSON.createObjectNode().put("text", "y".repeat(20)), empty);
        assertTrue(small.response("big").isEmpty() && small.response("next").isPresent());
    }

    @Test
    void aNamespacesToolsAreOfferedOneByOneAndHostedToolsLeftOut() throws Exception {
        var r = read("""
                {'input': 'x', 'tools': [{'type': 'function', 'name': 'a', 'parameters': {}},
                  {'type': 'namespace', 'name': 'ns', 'description': 'd', 'tools': [{'type': 'function', 'name': 'b'}]},
                  {'type': 'web_search', 'external_web_access': false}, {'type': 'file_search'}]}""");
        assertEquals(json("[{'type': 'function', 'function': {'name': 'a', 'parameters': {}}},"
                + " {'type': 'function', 'function': {'name': 'b'}}]"), chatField(r, "tools"));
        assertEquals(List.of("web_search", "file_search"), r.skippedTools());
    }

    @Test
    void whatCannotBeExpressedIsRefusedNamingTheResponsesField() {
        record Case(String body, String param, String message) {
        }
        for (Case c : List.of(
                new Case("{'input': 'x', 'previous_response_id': 'resp_1'}", "previous_response_id", "no stored response 'resp_1'"),
                new Case("{'input': 'x', 'conversation': 'conv_1'}", "conversation", "keeps no conversation or prompt objects"),
                new Case("{'input': 'x', 'background': true}", "background", "not supported"),
                new Case("{'input': []}", "input", "at least one item"),
                new Case("{'input': 3}", "input", "a string or an array of input items"),
                new Case("{'input': [{'type': 'item_reference', 'id': 'x'}]}", "input[0]", "unsupported input item type 'item_reference'"),
                new Case("{'input': [{'role': 'tool', 'content': 'x'}]}", "input[0]", "role must be user, system, developer or assistant"),
                new Case("{'input': [{'type': 'function_call', 'name': 'f', 'arguments': '{}'}]}", "input[0]", "'call_id' must be a string"),
                new Case("{'input': [{'role': 'user', 'content': [{'type': 'input_file', 'file_id': 'f'}]}]}", "input[0].content",
                        "input[0].content[0]: only text parts are supported here, got type 'input_file'"),
                new Case("{'input': 'x', 'tools': [{'type': 'function', 'name': 3}]}", "tools[0]", "tools[0]: 'name' must be a string"),
                new Case("{'input': 'x', 'tool_choice': {'type': 'mcp'}}", "tool_choice", "'tool_choice' must be"),
                new Case("{'input': 'x', 'reasoning': {'effort': 3}}", "reasoning.effort", "must be a string"))) {
            var e = assertThrows(ApiException.class, () -> read(c.body()), c.body());
            assertEquals(400, e.status(), c.body());
            assertEquals(c.param(), e.param(), c.body());
            assertTrue(e.getMessage().contains(c.message()), e.getMessage());
        }
    }

    @Test
    void fieldsWithoutEffectHereAreKnownAndOthersAreNot() {
        var f = RequestFields.parse("{\"input\": \"x\", \"store\": false, \"include\": [], \"metadata\": {}, \"user\": \"u\", \"frob\": 1}"
                .getBytes(StandardCharsets.UTF_8));
        ResponsesRequest.read(f, new ResponseStore());
        assertEquals(List.of("frob"), f.unknown());
    }
}
