package io.qwen4j.chat.parse;

import static io.qwen4j.chat.parse.ParseChecks.check;
import static io.qwen4j.chat.parse.ParseChecks.expect;
import static io.qwen4j.chat.parse.ReasoningMode.DISABLED;
import static io.qwen4j.chat.parse.ReasoningMode.IN_OUTPUT;
import static io.qwen4j.chat.parse.ReasoningMode.IN_PROMPT;
import static io.qwen4j.chat.parse.ToolCallFormat.HERMES;
import static io.qwen4j.chat.parse.ToolCallFormat.NONE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReasoningParserTest {
    private static final List<ToolSpec> NO_TOOLS = List.of();

    @Test
    void thoughtInOutputIsSplitFromTheAnswer() {
        check(IN_OUTPUT, NONE, NO_TOOLS, "<think>\nThe user greets me.\n</think>\n\nHello! How can I help?",
                expect("The user greets me.", "Hello! How can I help?"));
    }

    @Test
    void missingOpeningThinkStillMakesTextBeforeCloseReasoning() {
        check(IN_OUTPUT, NONE, NO_TOOLS, "The user greets me.\n</think>\n\nHello!",
                expect("The user greets me.", "Hello!"));
    }

    @Test
    void unfinishedThoughtIsAllReasoning() {
        check(IN_OUTPUT, NONE, NO_TOOLS, "<think>\nFirst, 2 + 2 = 4. Then", expect("First, 2 + 2 = 4. Then", null));
        check(IN_OUTPUT, HERMES, NO_TOOLS, "Hello there, no tags at all", expect("Hello there, no tags at all", null));
    }

    @Test
    void emptyThinkBlockOfNoThinkGivesOnlyContent() {
        check(IN_OUTPUT, HERMES, NO_TOOLS, "<think>\n\n</think>\n\nParis is the capital of France.",
                expect(null, "Paris is the capital of France."));
    }

    @Test
    void thoughtStartedInPromptEndsAtClose() {
        check(IN_PROMPT, HERMES, NO_TOOLS, "Okay, the user asks for 6*7.\nThat is 42.\n</think>\n\nThe answer is **42**.",
                expect("Okay, the user asks for 6*7.\nThat is 42.", "The answer is **42**."));
        check(IN_PROMPT, HERMES, NO_TOOLS, "Still weighing the options", expect("Still weighing the options", null));
    }

    @Test
    void aRepeatedOpeningTagInPromptModeIsDropped() {
        check(IN_PROMPT, NONE, NO_TOOLS, "<think>\nhmm\n</think>\n\nok", expect("hmm", "ok"));
    }

    @Test
    void disabledKeepsThinkTagsAsPlainContent() {
        check(DISABLED, HERMES, NO_TOOLS, "<think>\nnot a thought\n</think>\nanswer",
                expect(null, "<think>\nnot a thought\n</think>\nanswer"));
        check(DISABLED, NONE, NO_TOOLS, "  Just an answer.\n", expect(null, "Just an answer."));
    }

    @Test
    void lookalikeTagsAreText() {
        check(IN_OUTPUT, NONE, NO_TOOLS, "<thinking>a</thinkin</think>b <think c",
                expect("<thinking>a</thinkin", "b <think c"));
    }

    @Test
    void leadingWhitespaceBeforeThinkIsIgnored() {
        check(IN_OUTPUT, NONE, NO_TOOLS, "\n \n<think>\nidea\n</think>\n\nanswer", expect("idea", "answer"));
    }

    @Test
    void unicodeAndSurrogatePairsPassThrough() {
        check(IN_OUTPUT, NONE, NO_TOOLS, "<think>\n東京は🌸の季節。\n</think>\n\nこんにちは 👋🏽!",
                expect("東京は🌸の季節。", "こんにちは 👋🏽!"));
    }

    @Test
    void toolCallTagIsPlainTextInAThoughtWhenThereIsNoCallFormat() {
        check(IN_OUTPUT, NONE, NO_TOOLS, "<think>\nuse <tool_call> maybe\n</think>\n\ndone",
                expect("use <tool_call> maybe", "done"));
    }

    @Test
    void partialTagIsHeldBackButPlainTextStreamsAtOnce() {
        var parser = ChatOutputParser.create(IN_OUTPUT, NONE, NO_TOOLS);
        assertEquals(List.of(), parser.feed("<thi"));
        assertEquals(List.of(new Delta.Reasoning("abc")), parser.feed("nk>\nabc</th"));
        assertEquals(List.of(new Delta.Content("x")), parser.feed("ink>\n\nx"));
        assertEquals(List.of(), parser.finish());
        assertEquals(new ParsedMessage("abc", "x", List.of(), "stop"), parser.result());
    }

    @Test
    void whitespaceInsideTheTextIsKeptOnlyBetweenWords() {
        var parser = ChatOutputParser.create(DISABLED, NONE, NO_TOOLS);
        assertEquals(List.of(new Delta.Content("a")), parser.feed("\n a \n"));
        assertEquals(List.of(), parser.feed("  "));
        assertEquals(List.of(new Delta.Content(" \n  b")), parser.feed("b\n"));
        assertEquals(List.of(), parser.finish());
        assertEquals("a \n  b", parser.result().content());
    }
}
