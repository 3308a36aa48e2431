package io.qwen4j.chat.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.InvalidInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The OpenAI shapes of deltas, messages and tools, compared with JSON written out by hand. */
class JsonShapeTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return MAPPER.readTree(text);
    }

    @Test
    void deltas() throws Exception {
        assertEquals(json("{\"reasoning_content\": \"r\"}"), new Delta.Reasoning("r").toJson());
        assertEquals(json("{\"content\": \"c\"}"), new Delta.Content("c").toJson());
        assertEquals(json("{\"tool_calls\": [{\"index\": 1, \"id\": \"call_x\", \"type\": \"function\","
                + " \"function\": {\"name\": \"f\", \"arguments\": \"\"}}]}"),
                new Delta.ToolCallPiece(1, "call_x", "f", "").toJson());
        assertEquals(json("{\"tool_calls\": [{\"index\": 1, \"function\": {\"arguments\": \"{\\\"a\\\"\"}}]}"),
                new Delta.ToolCallPiece(1, null, null, "{\"a\"").toJson());
    }

    @Test
    void finalMessage() throws Exception {
        var message = new ParsedMessage(null, "hi", List.of(new ToolCall("call_1", "f", "{\"x\":1}")), "tool_calls");
        assertEquals(json("{\"reasoning_content\": null, \"content\": \"hi\", \"tool_calls\": [{\"index\": 0, \"id\": \"call_1\","
                + " \"type\": \"function\", \"function\": {\"name\": \"f\", \"arguments\": \"{\\\"x\\\":1}\"}}], \"finish_reason\": \"tool_calls\"}"),
                message.toJson());
        assertEquals(json("{\"reasoning_content\": \"r\", \"content\": null, \"tool_calls\": [], \"finish_reason\": \"length\"}"),
                new ParsedMessage("r", null, List.of(), "stop").withFinishReason("length").toJson());
    }

    @Test
    void defaultCallIdsAreUniqueAndPrefixed() {
        var message = ChatOutputParser.parse(ReasoningMode.DISABLED, ToolCallFormat.HERMES, List.of(),
                "<tool_call>{\"name\":\"a\"}</tool_call><tool_call>{\"name\":\"b\"}</tool_call>");
        String first = message.toolCalls().get(0).id();
        String second = message.toolCalls().get(1).id();
        assertTrue(first.matches("call_[0-9a-f]{24}"), first);
        assertTrue(!first.equals(second), first + " == " + second);
    }

    @Test
    void toolSpecsFromOpenAiObjects() throws Exception {
        var tools = ToolSpec.listFromOpenAi(json("[{\"type\": \"function\", \"function\": {\"name\": \"get_weather\","
                + " \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}}},"
                + " {\"type\": \"function\", \"function\": {\"name\": \"ping\"}}]"));
        assertEquals("get_weather", tools.get(0).name());
        assertEquals(json("{\"type\": \"string\"}"), tools.get(0).parameterSchema("city"));
        assertEquals("ping", tools.get(1).name());
        assertEquals(json("{}"), tools.get(1).parameters());
    }

    @Test
    void badToolsNameTheProblem() throws Exception {
        var noName = assertThrows(InvalidInputException.class,
                () -> ToolSpec.fromOpenAi(json("{\"type\": \"function\", \"function\": {\"description\": \"x\"}}")));
        assertTrue(noName.getMessage().contains("function.name"), noName.getMessage());
        var notArray = assertThrows(InvalidInputException.class, () -> ToolSpec.listFromOpenAi(json("{\"a\": 1}")));
        assertTrue(notArray.getMessage().contains("OBJECT"), notArray.getMessage());
    }

    @Test
    void feedingAfterFinishIsAnError() {
        var parser = ChatOutputParser.create(ReasoningMode.DISABLED, ToolCallFormat.NONE, List.of());
        parser.finish();
        assertThrows(IllegalStateException.class, () -> parser.feed("x"));
    }
}
