package io.qwen4j.chat.constrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.InvalidInputException;
import io.qwen4j.chat.parse.ChatOutputParser;
import io.qwen4j.chat.parse.ReasoningMode;
import io.qwen4j.chat.parse.ToolCallFormat;
import io.qwen4j.chat.parse.ToolSpec;
import io.qwen4j.engine.TokenConstraint;
import io.qwen4j.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Token-level rules of the constraints on the real Qwen3 vocabulary, and a token fuzz of {@code allows}. */
class ToolCallConstraintsTest {
    private static Tokenizer tokenizer;
    private static int imEnd;
    private static final ToolSpec WEATHER = TestSchemas.tool("get_weather", TestSchemas.WEATHER);

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.fromHuggingFace(TestSchemas.qwen3Tokenizer());
        imEnd = tokenizer.id("<|im_end|>").orElseThrow();
    }

    private static int id(String token) {
        return tokenizer.id(token).orElseThrow();
    }

    private static TokenConstraint forced(ToolCallFormat format, ReasoningMode mode, boolean parallel) {
        return ToolCallConstraints.forced(format, List.of(WEATHER), parallel, mode, tokenizer, Set.of(imEnd));
    }

    /** Feeds text as its usual tokenization, asserting each token is allowed. */
    private static void feed(TokenConstraint constraint, String text) {
        for (int token : tokenizer.encode(text, false)) {
            assertTrue(constraint.allows(token), "refused " + tokenizer.token(token) + " in " + text);
            constraint.accept(token);
        }
    }

    @Test
    void hermesCallThenOnlyEndOfTurn() {
        TokenConstraint c = forced(ToolCallFormat.HERMES, ReasoningMode.DISABLED, false);
        assertFalse(c.allows(imEnd));
        assertFalse(c.allows(id("<|im_start|>")));
        assertFalse(c.allows(id("<think>")));
        assertTrue(c.allows(id("<tool_call>")));
        feed(c, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"");
        assertFalse(c.allows(id("</think>")), "an added token inside a string");
        assertFalse(c.allows(id("</tool_call>")), "a closing tag inside a string");
        assertFalse(c.allows(imEnd));
        feed(c, "Paris\"}}\n</tool_call>");
        assertFalse(c.allows(id("<tool_call>")), "a second call without parallel");
        assertFalse(c.allows(tokenizer.encode("\n", false)[0]));
        assertTrue(c.allows(imEnd));
        c.accept(imEnd);
        assertFalse(c.allows(imEnd));
        assertThrows(IllegalStateException.class, () -> c.accept(tokenizer.encode("x", false)[0]));
    }

    @Test
    void refusedTokensCannotBeForcedIn() {
        TokenConstraint c = forced(ToolCallFormat.HERMES, ReasoningMode.DISABLED, false);
        int hello = tokenizer.encode("Hello", false)[0];
        assertFalse(c.allows(hello));
        assertThrows(IllegalStateException.class, () -> c.accept(hello));
        assertFalse(c.allows(-1));
        assertFalse(c.allows(tokenizer.size() + 5));
    }

    @Test
    void thinkingIsFreeUntilTheThoughtEndsOrACallOpens() {
        TokenConstraint c = forced(ToolCallFormat.HERMES, ReasoningMode.IN_OUTPUT, true);
        feed(c, "<think>\nThe user wants weather; {\"json\": no} <b>\n");
        assertFalse(c.allows(imEnd));
        assertFalse(c.allows(id("<|endoftext|>")));
        c.accept(id("</think>"));
        feed(c, "\n\n");
        assertFalse(c.allows(tokenizer.encode("\n", false)[0]), "at most two whitespace bytes before the call");
        feed(c, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"A\"}}\n</tool_call>\n<tool_call>");

        // <tool_call> inside the thought ends it, as the output parser reads it
        TokenConstraint direct = forced(ToolCallFormat.HERMES, ReasoningMode.IN_PROMPT, false);
        feed(direct, "hmm <tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"B\"}}\n</tool_call>");
        assertTrue(direct.allows(imEnd));
    }

    @Test
    void xmlCallWithTypedValues() {
        var tool = TestSchemas.tool("f", """
                {"type": "object", "properties": {"name": {"type": "string"}, "n": {"type": "integer"},
                 "ok": {"type": "boolean"}, "tags": {"type": "array", "items": {"type": "string"}},
                 "maybe": {"type": ["string", "null"]}}, "required": ["name", "n"]}""");
        TokenConstraint c = ToolCallConstraints.forced(ToolCallFormat.XML, List.of(tool), false, ReasoningMode.DISABLED,
                tokenizer, Set.of(imEnd));
        String call = "<tool_call>\n<function=f>\n<parameter=n>\n-12\n</parameter>\n<parameter=name>\nnull value\n"
                + "with lines</b>\n</parameter>\n<parameter=ok>\nTrue\n</parameter>\n<parameter=tags>\n[\"a\", \"b\"]\n"
                + "</parameter>\n<parameter=maybe>\nnull\n</parameter>\n</function>\n</tool_call>";
        feed(c, call);
        assertTrue(c.allows(imEnd));
        var message = ChatOutputParser.parse(ReasoningMode.DISABLED, ToolCallFormat.XML, List.of(tool), call);
        assertEquals(List.of(), SchemaOracle.errors(tool.parameters(),
                TestSchemas.parse(message.toolCalls().getFirst().arguments()), true));

        TokenConstraint early = ToolCallConstraints.forced(ToolCallFormat.XML, List.of(tool), false, ReasoningMode.DISABLED,
                tokenizer, Set.of(imEnd));
        feed(early, "<tool_call>\n<function=f>\n<parameter=name>\n NULL ");
        // "null" as a string parameter would be read back as JSON null: it may not be closed
        for (int token : tokenizer.encode("\n</parameter>", false)) {
            if (!early.allows(token)) {
                return;
            }
            early.accept(token);
        }
        throw new AssertionError("a string value reading as null was closed");
    }

    private static final String VERDICT = """
            {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"], "additionalProperties": false}""";

    private static TokenConstraint answer(List<ToolSpec> tools, ReasoningMode mode) {
        return ToolCallConstraints.answer(TestSchemas.parse(VERDICT), tools, ToolCallFormat.HERMES, false, mode, tokenizer,
                Set.of(imEnd));
    }

    @Test
    void aResponseFormatAnswerIsJsonOfTheSchemaAfterAFreeThought() {
        TokenConstraint plain = answer(List.of(), ReasoningMode.DISABLED);
        assertFalse(plain.allows(tokenizer.encode("Sure", false)[0]), "prose instead of JSON");
        assertFalse(plain.allows(id("<tool_call>")), "no tools, no call");
        assertFalse(plain.allows(imEnd));
        feed(plain, "\n{\"ok\": ");
        assertFalse(plain.allows(tokenizer.encode("\"", false)[0]), "a string where the schema says boolean");
        feed(plain, "true}");
        assertTrue(plain.allows(imEnd));

        TokenConstraint thinking = answer(List.of(), ReasoningMode.IN_OUTPUT);
        feed(thinking, "<think>\nA verdict, {\"ok\": maybe} <tool_call> is just text here\n");
        assertFalse(thinking.allows(imEnd), "the answer must follow the thought");
        thinking.accept(id("</think>"));
        feed(thinking, "\n\n");
        assertFalse(thinking.allows(tokenizer.encode("\n", false)[0]), "at most two whitespace bytes before the answer");
        feed(thinking, "{\"ok\": false}");
        assertTrue(thinking.allows(imEnd));
    }

    @Test
    void withToolsTheAnswerIsACallOrTheJson() {
        String call = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>";
        TokenConstraint calling = answer(List.of(WEATHER), ReasoningMode.DISABLED);
        assertTrue(calling.allows(id("<tool_call>")));
        feed(calling, call);
        assertTrue(calling.allows(imEnd));
        assertEquals("get_weather", ChatOutputParser.parse(ReasoningMode.DISABLED, ToolCallFormat.HERMES, List.of(WEATHER), call)
                .toolCalls().getFirst().name());

        TokenConstraint answering = answer(List.of(WEATHER), ReasoningMode.IN_PROMPT);
        feed(answering, "thought </think>\n\n{\"ok\": true}");
        assertTrue(answering.allows(imEnd));
        assertFalse(answering.allows(id("<tool_call>")), "no call after the answer");

        TokenConstraint callInThought = answer(List.of(WEATHER), ReasoningMode.IN_PROMPT);
        feed(callInThought, "hmm " + call); // <tool_call> inside the thought starts the call, as the parser reads it
        assertTrue(callInThought.allows(imEnd));
    }

    @Test
    void badRequestsAreTypedErrors() {
        assertThrows(InvalidInputException.class, () -> ToolCallConstraints.forced(ToolCallFormat.NONE, List.of(WEATHER),
                false, ReasoningMode.DISABLED, tokenizer, Set.of(imEnd)));
        assertThrows(InvalidInputException.class, () -> ToolCallConstraints.forced(ToolCallFormat.HERMES, List.of(),
                false, ReasoningMode.DISABLED, tokenizer, Set.of(imEnd)));
        assertThrows(InvalidInputException.class, () -> ToolCallConstraints.forced(ToolCallFormat.HERMES,
                List.of(TestSchemas.tool("g", "{\"type\": \"object\", \"properties\": {}, \"required\": [\"x\"]}")),
                false, ReasoningMode.DISABLED, tokenizer, Set.of(imEnd)));
        var impossible = assertThrows(InvalidInputException.class, () -> ToolCallConstraints.json(
                TestSchemas.parse("{\"type\": \"array\", \"minItems\": 3, \"maxItems\": 1}"), tokenizer, Set.of(imEnd),
                JsonLimits.DEFAULTS));
        assertTrue(impossible.getMessage().contains("minItems 3"), impossible.getMessage());
    }

    /**
     * Random token sequences filtered by {@code allows} (random ids first, then single-byte tokens when none
     * of those fits) stay valid JSON prefixes per Jackson's incremental parser, and finished texts satisfy
     * the schema per the oracle.
     */
    @Test
    void tokenFuzzStaysValid() throws Exception {
        Random random = new Random(77);
        List<Integer> singleBytes = new ArrayList<>();
        for (int id = 0; id < tokenizer.size(); id++) {
            if (!tokenizer.isSpecial(id) && tokenizer.bytes(id).length == 1) {
                singleBytes.add(id);
            }
        }
        int finished = 0;
        for (String schema : TestSchemas.ALL) {
            for (int run = 0; run < 12; run++) {
                TokenConstraint c = ToolCallConstraints.json(TestSchemas.parse(schema), tokenizer, Set.of(imEnd),
                        new JsonLimits(20, 5, 3, 1));
                var text = new ByteArrayOutputStream();
                for (int step = 0; step < 600; step++) {
                    if (c.allows(imEnd) && random.nextInt(3) == 0) {
                        c.accept(imEnd);
                        var value = TestSchemas.parse(text.toString(java.nio.charset.StandardCharsets.UTF_8));
                        assertEquals(List.of(), SchemaOracle.errors(TestSchemas.parse(schema), value, true), text.toString());
                        finished++;
                        break;
                    }
                    int token = -1;
                    for (int attempt = 0; attempt < 200 && token < 0; attempt++) {
                        int candidate = random.nextInt(tokenizer.size() + 300);
                        if (c.allows(candidate)) {
                            token = candidate;
                        }
                    }
                    if (token < 0) {
                        List<Integer> fitting = singleBytes.stream().filter(c::allows).toList();
                        if (fitting.isEmpty()) {
                            break;
                        }
                        token = fitting.get(random.nextInt(fitting.size()));
                    }
                    assertTrue(token < tokenizer.size() && !tokenizer.isSpecial(token));
                    c.accept(token);
                    text.writeBytes(tokenizer.bytes(token));
                    JsonGrammarTest.assertValidPrefix(text.toByteArray());
                }
            }
        }
        assertTrue(finished > 30, "only " + finished + " fuzz runs finished");
    }
}
