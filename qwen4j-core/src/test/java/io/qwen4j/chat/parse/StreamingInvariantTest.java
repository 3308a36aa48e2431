package io.qwen4j.chat.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Invariants on seeded random "tag soup" outputs, for every mode and format: streaming in any pieces
 * gives the same message as parsing the whole text (ids from a counter), deltas concatenate to the
 * final fields, and no piece of a tag leaks out as content while it could still become a tag.
 */
class StreamingInvariantTest {
    private static final String[] WORDS = {
            "<think>", "</think>", "<tool_call>", "</tool_call>", "<function=get_weather>", "<function=nope>", "</function>",
            "<parameter=city>", "<parameter=days>", "</parameter>", "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}",
            "{\"name\": \"x\"", "}", "\n", "\n\n", " ", "hello", "東京🌸", "<", "</", "<tool", "</think", "3", "<tool_call>\n{\"name\": \"get_time\"}\n</tool_call>",
    };
    private static final List<ToolSpec> TOOLS = List.of(
            new ToolSpec("get_weather", HermesToolParserTest.parametersOf(
                    "{\"properties\": {\"city\": {\"type\": \"string\"}, \"days\": {\"type\": \"integer\"}}}")),
            new ToolSpec("get_time", null));

    @Test
    void streamingEqualsWholeTextForRandomOutputs() {
        var random = new Random(20250807);
        for (int sample = 0; sample < 250; sample++) {
            var text = new StringBuilder();
            int words = 1 + random.nextInt(14);
            for (int i = 0; i < words; i++) {
                text.append(WORDS[random.nextInt(WORDS.length)]);
            }
            String output = text.toString();
            for (ReasoningMode mode : ReasoningMode.values()) {
                for (ToolCallFormat format : ToolCallFormat.values()) {
                    var whole = ChatOutputParser.create(mode, format, TOOLS, ParseChecks.counter());
                    whole.feed(output);
                    whole.finish();
                    ParsedMessage expected = whole.result();
                    for (int run = 0; run < 3; run++) {
                        List<String> pieces = ParseChecks.splits(output).get(random.nextInt(output.length() + 1));
                        assertEquals(expected, ParseChecks.stream(mode, format, TOOLS, pieces), mode + " " + format + " " + pieces);
                    }
                    assertEquals(expected, ParseChecks.stream(mode, format, TOOLS, List.of(output.split(""))), mode + " " + format + " chars");
                }
            }
        }
    }

    @Test
    void aPossibleTagStartIsNeverEmittedAsContent() {
        for (String prefix : List.of("<", "<t", "<tool_ca", "<function", "<functi")) {
            for (ToolCallFormat format : List.of(ToolCallFormat.HERMES, ToolCallFormat.XML)) {
                if (format == ToolCallFormat.HERMES && prefix.startsWith("<f")) {
                    continue; // "<function=" is no tag in the Hermes format; checked below
                }
                var parser = ChatOutputParser.create(ReasoningMode.DISABLED, format, TOOLS);
                List<Delta> deltas = parser.feed("Hi " + prefix);
                assertEquals(List.of(new Delta.Content("Hi")), deltas, format + " " + prefix);
                assertFalse(parser.result().content().contains("<"));
            }
        }
        var hermes = ChatOutputParser.create(ReasoningMode.DISABLED, ToolCallFormat.HERMES, TOOLS);
        assertEquals(List.of(new Delta.Content("Hi <function")), hermes.feed("Hi <function"));
    }
}
