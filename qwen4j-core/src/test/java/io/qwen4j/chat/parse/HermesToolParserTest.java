package io.qwen4j.chat.parse;

import static io.qwen4j.chat.parse.ParseChecks.call;
import static io.qwen4j.chat.parse.ParseChecks.check;
import static io.qwen4j.chat.parse.ParseChecks.expect;
import static io.qwen4j.chat.parse.ReasoningMode.DISABLED;
import static io.qwen4j.chat.parse.ReasoningMode.IN_OUTPUT;
import static io.qwen4j.chat.parse.ReasoningMode.IN_PROMPT;
import static io.qwen4j.chat.parse.ToolCallFormat.HERMES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class HermesToolParserTest {
    static final List<ToolSpec> TOOLS = List.of(
            new ToolSpec("get_weather", parametersOf("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}")),
            new ToolSpec("get_time", null));

    static com.fasterxml.jackson.databind.JsonNode parametersOf(String json) {
        try {
            return new ObjectMapper().readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static final String WEATHER = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";

    @Test
    void oneCallAfterReasoningAndContent() {
        check(IN_OUTPUT, HERMES, TOOLS, "<think>\nNeed the weather.\n</think>\n\nLet me check.\n" + WEATHER,
                expect("Need the weather.", "Let me check.", call("get_weather", "{\"city\": \"Paris\"}")));
    }

    @Test
    void callWithoutContent() {
        check(DISABLED, HERMES, TOOLS, WEATHER, expect(null, null, call("get_weather", "{\"city\":\"Paris\"}")));
    }

    @Test
    void callInsideTheThoughtEndsReasoning() {
        check(IN_OUTPUT, HERMES, TOOLS, "<think>\nI should look it up.\n" + WEATHER,
                expect("I should look it up.", null, call("get_weather", "{\"city\":\"Paris\"}")));
        check(IN_PROMPT, HERMES, TOOLS, "Look it up.\n" + WEATHER + "\n</think>\n\nignored",
                expect("Look it up.", null, call("get_weather", "{\"city\":\"Paris\"}")));
    }

    @Test
    void severalCallsInARow() {
        String output = WEATHER + "\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"zone\": \"CET\", \"h24\": true}}\n</tool_call>\n"
                + "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>";
        check(IN_PROMPT, HERMES, TOOLS, "ok\n</think>\n\n" + output, expect("ok", null,
                call("get_weather", "{\"city\":\"Paris\"}"),
                call("get_time", "{\"zone\":\"CET\",\"h24\":true}"),
                call("get_weather", "{\"city\":\"Oslo\"}")));
    }

    @Test
    void malformedJsonMakesTheWholeAnswerContent() {
        String bad = "Checking.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": }}\n</tool_call>\n" + WEATHER;
        check(IN_OUTPUT, HERMES, TOOLS, "<think>\nhm\n</think>\n\n" + bad, expect("hm", bad));
    }

    @Test
    void incompleteJsonAtTheEndIsContent() {
        String cut = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"ci";
        check(DISABLED, HERMES, TOOLS, cut, expect(null, cut));
        check(DISABLED, HERMES, TOOLS, "Sure <tool_call>", expect(null, "Sure <tool_call>"));
    }

    @Test
    void missingClosingTagAtTheEndStillYieldsACompleteCall() {
        check(DISABLED, HERMES, TOOLS, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n",
                expect(null, null, call("get_weather", "{\"city\":\"Paris\"}")));
    }

    @Test
    void unknownToolNameIsContent() {
        String text = "<tool_call>\n{\"name\": \"launch_rocket\", \"arguments\": {}}\n</tool_call>";
        check(DISABLED, HERMES, TOOLS, text, expect(null, text));
    }

    @Test
    void withoutAToolListAnyNameIsACall() {
        check(DISABLED, HERMES, List.of(), "<tool_call>\n{\"name\": \"launch_rocket\"}\n</tool_call>",
                expect(null, null, call("launch_rocket", "{}")));
    }

    @Test
    void argumentsWrittenAsAJsonStringAreAccepted() {
        check(DISABLED, HERMES, TOOLS, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Rome\\\"}\"}\n</tool_call>",
                expect(null, null, call("get_weather", "{\"city\":\"Rome\"}")));
    }

    @Test
    void unicodeInArguments() {
        check(IN_OUTPUT, HERMES, TOOLS, "<think>\n天気\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"東京 🌸\", \"note\": \"\\u00e9t\\u00e9\"}}\n</tool_call>",
                expect("天気", null, call("get_weather", "{\"city\":\"東京 🌸\",\"note\":\"été\"}")));
    }

    @Test
    void aBadBlockAfterAGoodCallIsDroppedWithTheRest() {
        check(DISABLED, HERMES, TOOLS, WEATHER + "\n<tool_call>\n{\"name\": \"get_time\", \"argu",
                expect(null, null, call("get_weather", "{\"city\":\"Paris\"}")));
    }

    @Test
    void textAfterTheLastCallIsDropped() {
        check(DISABLED, HERMES, TOOLS, "Before. " + WEATHER + "\nI called the tool.",
                expect(null, "Before.", call("get_weather", "{\"city\":\"Paris\"}")));
    }

    @Test
    void tagCharactersInsideJsonStringsDoNotConfuseTheParser() {
        check(DISABLED, HERMES, TOOLS, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"<tool_call> <think> </thin\"}}\n</tool_call>",
                expect(null, null, call("get_weather", "{\"city\":\"<tool_call> <think> </thin\"}")));
    }

    @Test
    void aCallIsEmittedWholeOnlyOnceItsBlockCloses() {
        var parser = ChatOutputParser.create(DISABLED, HERMES, TOOLS, ParseChecks.counter());
        assertEquals(List.of(new Delta.Content("Hi")), parser.feed("Hi <tool_"));
        assertEquals(List.of(), parser.feed("call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}"));
        List<Delta> deltas = parser.feed("\n</tool_call>");
        assertEquals(1, deltas.size());
        var piece = assertInstanceOf(Delta.ToolCallPiece.class, deltas.get(0));
        assertEquals(new Delta.ToolCallPiece(0, "call_0", "get_weather", "{\"city\":\"Paris\"}"), piece);
        assertEquals(List.of(), parser.finish());
    }
}
