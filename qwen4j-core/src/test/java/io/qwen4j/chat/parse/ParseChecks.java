package io.qwen4j.chat.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Test harness: parses an output whole, then streams it split at every position, at every tag
 * boundary, char by char and in seeded random pieces, and checks that every run gives the same message,
 * that the deltas concatenate to it, and that tool-call deltas have OpenAI's shape. The expected message
 * is always written by hand in the test.
 */
final class ParseChecks {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final List<String> TAGS = List.of("<think>", "</think>", "<tool_call>", "</tool_call>", "<function=",
            "</function>", "<parameter=", "</parameter>");

    record Expected(String reasoning, String content, List<ExpectedCall> calls) {}

    record ExpectedCall(String name, String argumentsJson) {}

    static ExpectedCall call(String name, String argumentsJson) {
        return new ExpectedCall(name, argumentsJson);
    }

    static Expected expect(String reasoning, String content, ExpectedCall... calls) {
        return new Expected(reasoning, content, List.of(calls));
    }

    private ParseChecks() {}

    /** Checks the whole parse and every streamed split against {@code expected}; returns the whole parse. */
    static ParsedMessage check(ReasoningMode mode, ToolCallFormat format, List<ToolSpec> tools, String output,
            Expected expected) {
        ParsedMessage whole = ChatOutputParser.parse(mode, format, tools, output);
        assertMatches(expected, whole, "whole text");
        for (List<String> pieces : splits(output)) {
            ParsedMessage streamed = stream(mode, format, tools, pieces);
            assertMatches(expected, streamed, "pieces " + pieces);
        }
        return whole;
    }

    static List<List<String>> splits(String text) {
        var all = new ArrayList<List<String>>();
        for (int i = 0; i <= text.length(); i++) {
            all.add(List.of(text.substring(0, i), text.substring(i)));
        }
        all.add(Arrays.stream(text.split("")).toList());
        all.add(splitAtTags(text));
        var random = new Random(text.hashCode());
        for (int run = 0; run < 20; run++) {
            var pieces = new ArrayList<String>();
            int at = 0;
            while (at < text.length()) {
                int next = Math.min(text.length(), at + 1 + random.nextInt(6));
                pieces.add(text.substring(at, next));
                at = next;
            }
            all.add(pieces);
        }
        return all;
    }

    /** Every tag occurrence as a whole piece, the text between tags as pieces of its own. */
    static List<String> splitAtTags(String text) {
        var pieces = new ArrayList<String>();
        int at = 0;
        while (at < text.length()) {
            int nearest = text.length();
            String tag = null;
            for (String t : TAGS) {
                int i = text.indexOf(t, at);
                if (i >= 0 && i < nearest) {
                    nearest = i;
                    tag = t;
                }
            }
            if (nearest > at) {
                pieces.add(text.substring(at, nearest));
            }
            if (tag != null) {
                pieces.add(tag);
                at = nearest + tag.length();
            } else {
                at = nearest;
            }
        }
        return pieces;
    }

    /** Streams {@code pieces}, checking the delta invariants, and returns the parser's final message. */
    static ParsedMessage stream(ReasoningMode mode, ToolCallFormat format, List<ToolSpec> tools, List<String> pieces) {
        var parser = ChatOutputParser.create(mode, format, tools, counter());
        var deltas = new ArrayList<Delta>();
        for (String piece : pieces) {
            deltas.addAll(parser.feed(piece));
        }
        deltas.addAll(parser.finish());
        ParsedMessage result = parser.result();
        assertDeltasConcatenate(deltas, result);
        return result;
    }

    static Supplier<String> counter() {
        int[] next = {0};
        return () -> "call_" + next[0]++;
    }

    static void assertDeltasConcatenate(List<Delta> deltas, ParsedMessage result) {
        var reasoning = new StringBuilder();
        var content = new StringBuilder();
        var names = new ArrayList<String>();
        var arguments = new ArrayList<StringBuilder>();
        for (Delta delta : deltas) {
            switch (delta) {
                case Delta.Reasoning r -> reasoning.append(r.text());
                case Delta.Content c -> content.append(c.text());
                case Delta.ToolCallPiece p -> {
                    if (p.index() == names.size()) {
                        assertNotNull(p.id(), "first delta of a call carries an id: " + p);
                        assertNotNull(p.name(), "first delta of a call carries the name: " + p);
                        JsonNode json = p.toJson().get("tool_calls").get(0);
                        assertEquals("function", json.get("type").asText());
                        assertEquals(p.index(), json.get("index").asInt());
                        names.add(p.name());
                        arguments.add(new StringBuilder());
                    } else {
                        assertTrue(p.index() < names.size(), "delta for a call that never started: " + p);
                        assertNull(p.id(), "later deltas carry no id");
                        assertNull(p.name(), "later deltas carry no name");
                        JsonNode json = p.toJson().get("tool_calls").get(0);
                        assertFalse(json.has("id") || json.has("type") || json.get("function").has("name"),
                                "later delta JSON only appends arguments: " + json);
                    }
                    arguments.get(p.index()).append(p.arguments());
                }
            }
        }
        assertEquals(result.reasoningContent() == null ? "" : result.reasoningContent(), reasoning.toString());
        assertEquals(result.content() == null ? "" : result.content(), content.toString());
        assertEquals(names.size(), result.toolCalls().size());
        for (int i = 0; i < names.size(); i++) {
            assertEquals(names.get(i), result.toolCalls().get(i).name());
            assertEquals(arguments.get(i).toString(), result.toolCalls().get(i).arguments());
            assertEquals("call_" + i, result.toolCalls().get(i).id());
        }
    }

    static void assertMatches(Expected expected, ParsedMessage actual, String how) {
        assertEquals(expected.reasoning(), actual.reasoningContent(), "reasoning, " + how);
        assertEquals(expected.content(), actual.content(), "content, " + how);
        assertEquals(expected.calls().size(), actual.toolCalls().size(), "number of calls, " + how + ": " + actual);
        for (int i = 0; i < expected.calls().size(); i++) {
            ExpectedCall want = expected.calls().get(i);
            ToolCall got = actual.toolCalls().get(i);
            assertEquals(want.name(), got.name(), "call name, " + how);
            assertJsonEquals(want.argumentsJson(), got.arguments(), "arguments, " + how);
        }
        assertEquals(expected.calls().isEmpty() ? "stop" : "tool_calls", actual.finishReason(), how);
    }

    /** JSON equality with numbers compared by value (72 ≡ 72.0), as CONTRACTS.md compares arguments. */
    static void assertJsonEquals(String expectedJson, String actualJson, String what) {
        try {
            JsonNode want = MAPPER.readTree(expectedJson);
            JsonNode got = MAPPER.readTree(actualJson);
            Comparator<JsonNode> numbersByValue = (a, b) -> {
                if (a.isNumber() && b.isNumber()) {
                    return new BigDecimal(a.asText()).compareTo(new BigDecimal(b.asText()));
                }
                return a.equals(b) ? 0 : 1;
            };
            if (!want.equals(numbersByValue, got)) {
                fail(what + ": expected " + want + " but was " + got);
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            fail(what + ": not JSON: " + actualJson, e);
        }
    }
}
