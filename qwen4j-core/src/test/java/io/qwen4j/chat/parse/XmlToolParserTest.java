package io.qwen4j.chat.parse;

import static io.qwen4j.chat.parse.HermesToolParserTest.parametersOf;
import static io.qwen4j.chat.parse.ParseChecks.call;
import static io.qwen4j.chat.parse.ParseChecks.check;
import static io.qwen4j.chat.parse.ParseChecks.expect;
import static io.qwen4j.chat.parse.ReasoningMode.DISABLED;
import static io.qwen4j.chat.parse.ReasoningMode.IN_OUTPUT;
import static io.qwen4j.chat.parse.ToolCallFormat.XML;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class XmlToolParserTest {
    static final List<ToolSpec> TOOLS = List.of(
            new ToolSpec("get_weather", parametersOf("""
                    {"type": "object", "properties": {
                      "city": {"type": "string"}, "days": {"type": "integer"}, "temp": {"type": "number"},
                      "metric": {"type": "boolean"}, "filter": {"type": "object"}, "tags": {"type": "array"},
                      "limit": {"type": ["integer", "null"]}, "note": {"description": "no type"}}}""")),
            new ToolSpec("write_file", parametersOf("""
                    {"type": "object", "properties": {"path": {"type": "string"}, "content": {"type": "string"}}}""")));

    private static String param(String name, String value) {
        return "<parameter=" + name + ">\n" + value + "\n</parameter>\n";
    }

    private static String block(String function, String... params) {
        return "<tool_call>\n<function=" + function + ">\n" + String.join("", params) + "</function>\n</tool_call>";
    }

    @Test
    void valuesAreConvertedByTheSchemaType() {
        String output = block("get_weather", param("city", "San Francisco"), param("days", "3"), param("temp", "72.0000"),
                param("metric", "True"), param("filter", "{\"max\": 5, \"kinds\": [\"rain\"]}"), param("tags", "[1, \"two\"]"),
                param("limit", "null"), param("note", "42"));
        check(DISABLED, XML, TOOLS, output, expect(null, null, call("get_weather",
                "{\"city\": \"San Francisco\", \"days\": 3, \"temp\": 72.0, \"metric\": true, \"filter\": {\"max\": 5, \"kinds\": [\"rain\"]},"
                        + " \"tags\": [1, \"two\"], \"limit\": null, \"note\": \"42\"}")));
    }

    @Test
    void exactTypesOfConvertedValues() {
        ParsedMessage message = ChatOutputParser.parse(DISABLED, XML, TOOLS,
                block("get_weather", param("days", "7.0"), param("temp", "72.0000"), param("metric", "false"), param("city", "12")));
        assertEquals("{\"days\": 7, \"temp\": 72.0, \"metric\": false, \"city\": \"12\"}", message.toolCalls().get(0).arguments());
    }

    @Test
    void valuesThatDoNotParseAsTheirTypeStayStrings() {
        check(DISABLED, XML, TOOLS, block("get_weather", param("days", "three"), param("metric", "yes"), param("filter", "{broken")),
                expect(null, null, call("get_weather", "{\"days\": \"three\", \"metric\": \"yes\", \"filter\": \"{broken\"}")));
    }

    @Test
    void pythonLiteralObjectsAreRead() {
        check(DISABLED, XML, TOOLS, block("get_weather", param("filter", "{'max': 5, 'on': True, 'x': None, 'k': ('a', \"b\")}")),
                expect(null, null, call("get_weather", "{\"filter\": {\"max\": 5, \"on\": true, \"x\": null, \"k\": [\"a\", \"b\"]}}")));
    }

    @Test
    void stringValuesLoseExactlyOneNewlineEachSide() {
        String code = "\n\ndef f():\n    return '<tag>'\n\n";
        check(DISABLED, XML, TOOLS, block("write_file", param("path", "a.py"), param("content", code)),
                expect(null, null, call("write_file", "{\"path\": \"a.py\", \"content\": \"\\n\\ndef f():\\n    return '<tag>'\\n\\n\"}")));
        check(DISABLED, XML, TOOLS, "<tool_call><function=write_file><parameter=path>  b.txt </parameter></function></tool_call>",
                expect(null, null, call("write_file", "{\"path\": \"  b.txt \"}")));
    }

    @Test
    void contentAndReasoningBeforeTheCall() {
        check(IN_OUTPUT, XML, TOOLS, "<think>\nweather?\n</think>\n\nI'll check.\n\n" + block("get_weather", param("city", "Oslo")),
                expect("weather?", "I'll check.", call("get_weather", "{\"city\": \"Oslo\"}")));
    }

    @Test
    void callInsideTheThoughtEndsReasoning() {
        check(IN_OUTPUT, XML, TOOLS, "<think>\nweather?\n" + block("get_weather", param("city", "Oslo")),
                expect("weather?", null, call("get_weather", "{\"city\": \"Oslo\"}")));
    }

    @Test
    void severalCalls() {
        check(DISABLED, XML, TOOLS, block("get_weather", param("city", "Oslo")) + "\n" + block("write_file", param("path", "x"))
                        + "\n" + block("get_weather"),
                expect(null, null, call("get_weather", "{\"city\": \"Oslo\"}"), call("write_file", "{\"path\": \"x\"}"),
                        call("get_weather", "{}")));
    }

    @Test
    void missingOpeningToolCallTagStillParses() {
        check(DISABLED, XML, TOOLS, "Sure.\n<function=get_weather>\n" + param("city", "Lima") + "</function>\n</tool_call>",
                expect(null, "Sure.", call("get_weather", "{\"city\": \"Lima\"}")));
    }

    @Test
    void unknownFunctionIsContent() {
        String text = "Hmm.\n" + block("launch_rocket", param("target", "moon"));
        check(DISABLED, XML, TOOLS, text, expect(null, text));
    }

    @Test
    void garbageBetweenToolCallAndFunctionIsContent() {
        String text = "<tool_call>\n{\"name\": \"get_weather\"}\n</tool_call>";
        check(DISABLED, XML, TOOLS, text, expect(null, text));
    }

    @Test
    void missingParameterCloseEndsAtTheNextTag() {
        check(DISABLED, XML, TOOLS, "<tool_call>\n<function=get_weather>\n<parameter=city>\nRome\n<parameter=days>\n2\n</function>\n</tool_call>",
                expect(null, null, call("get_weather", "{\"city\": \"Rome\", \"days\": 2}")));
    }

    @Test
    void outputCutOffInsideACallStillClosesIt() {
        check(DISABLED, XML, TOOLS, "<tool_call>\n<function=get_weather>\n<parameter=city>\nBer",
                expect(null, null, call("get_weather", "{\"city\": \"Ber\"}")));
        check(DISABLED, XML, TOOLS, "<tool_call>\n<function=get_weather>\n<parameter=ci",
                expect(null, null, call("get_weather", "{}")));
        check(DISABLED, XML, TOOLS, "<tool_call>\n<function=get_weather>\n<parameter=city>",
                expect(null, null, call("get_weather", "{\"city\": \"\"}")));
        check(DISABLED, XML, TOOLS, "ok <tool_call>\n<function=get_wea", expect(null, "ok <tool_call>\n<function=get_wea"));
    }

    @Test
    void unicodeInValuesAndNames() {
        check(DISABLED, XML, TOOLS, block("get_weather", param("city", "São Paulo 🌧️"), param("note", "€ \"quoted\" \\ back")),
                expect(null, null, call("get_weather", "{\"city\": \"São Paulo 🌧️\", \"note\": \"€ \\\"quoted\\\" \\\\ back\"}")));
    }

    @Test
    void withoutAToolListEveryValueIsAString() {
        check(DISABLED, XML, List.of(), block("anything", param("n", "5")), expect(null, null, call("anything", "{\"n\": \"5\"}")));
    }

    @Test
    void callStreamsPerParameterOnceTheNameIsKnown() {
        var parser = ChatOutputParser.create(DISABLED, XML, TOOLS, ParseChecks.counter());
        var deltas = new ArrayList<Delta>();
        deltas.addAll(parser.feed("<tool_call>\n<function=get_weath"));
        assertTrue(deltas.isEmpty(), "no call before its name is complete: " + deltas);
        deltas.addAll(parser.feed("er>\n<parameter=city>\nOs"));
        assertEquals(List.of(new Delta.ToolCallPiece(0, "call_0", "get_weather", "")), deltas);
        deltas.addAll(parser.feed("lo\n</parameter>\n"));
        assertEquals(new Delta.ToolCallPiece(0, null, null, "{\"city\": \"Oslo\""), deltas.getLast());
        deltas.addAll(parser.feed("<parameter=days>\n3\n</parameter>\n</function>"));
        assertEquals(List.of(new Delta.ToolCallPiece(0, null, null, ", \"days\": 3"), new Delta.ToolCallPiece(0, null, null, "}")),
                deltas.subList(2, 4));
        deltas.addAll(parser.feed("\n</tool_call>"));
        deltas.addAll(parser.finish());
        assertEquals(4, deltas.size());
        assertEquals("{\"city\": \"Oslo\", \"days\": 3}", parser.result().toolCalls().get(0).arguments());
    }
}
