package io.qwen4j.chat.constrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.qwen4j.chat.parse.ChatOutputParser;
import io.qwen4j.chat.parse.ParsedMessage;
import io.qwen4j.chat.parse.ReasoningMode;
import io.qwen4j.chat.parse.ToolCall;
import io.qwen4j.chat.parse.ToolCallFormat;
import io.qwen4j.chat.parse.ToolSpec;
import io.qwen4j.engine.Sampler;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.engine.TokenConstraint;
import io.qwen4j.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Model-free harness for forced calls: seeded random logits over the real Qwen3 vocabulary (padded like the model's output
 * layer), the Sampler with the forced-call constraint, each chosen token accepted, until end of turn. The
 * text must parse back with {@link ChatOutputParser} into calls of allowed tools whose arguments satisfy
 * the schema per the independent {@link SchemaOracle}.
 */
final class ForcedCallHarness {
    /** Qwen3's output layer is wider than its tokenizer: the extra ids must never be chosen. */
    private static final int LOGITS = 151_936;
    private static final JsonLimits LIMITS = new JsonLimits(16, 4, 2, 1);

    /** Gaussian noise drawn once; each step copies a window at a random offset (drawing 150k per step is slow). */
    private static final float[] NOISE = new float[4 * LOGITS];
    private static Tokenizer tokenizer;
    private static int imEnd;
    private static int thinkClose;

    static final List<ToolSpec> TOOLS = List.of(
            TestSchemas.tool("get_weather", TestSchemas.WEATHER),
            TestSchemas.tool("create_user", TestSchemas.NESTED),
            TestSchemas.tool("sum", TestSchemas.INTEGERS),
            TestSchemas.tool("configure", TestSchemas.UNIONS),
            TestSchemas.tool("move_to", TestSchemas.REFERENCES),
            TestSchemas.tool("ping", TestSchemas.EMPTY));
    /**
     * For Qwen3-Coder: the output parser reads a parameter without "type" as text, so the $ref parameter
     * also says "type": "object" (see notes/readme-grammar.md).
     */
    static final List<ToolSpec> XML_TOOLS = List.of(TOOLS.get(0), TOOLS.get(1), TOOLS.get(2), TOOLS.get(3),
            TestSchemas.tool("move_to", TestSchemas.REFERENCES.replace("{\"$ref\"", "{\"type\": \"object\", \"$ref\"")),
            TOOLS.get(5));

    static synchronized void loadTokenizer() {
        if (tokenizer != null) {
            return;
        }
        tokenizer = Tokenizer.fromHuggingFace(TestSchemas.qwen3Tokenizer());
        imEnd = tokenizer.id("<|im_end|>").orElseThrow();
        thinkClose = tokenizer.id("</think>").orElseThrow();
        var random = new Random(42);
        for (int i = 0; i < NOISE.length; i++) {
            NOISE[i] = (float) (2 * random.nextGaussian());
        }
    }

    record Run(String text, ParsedMessage message) {}

    private static Run drive(ToolCallFormat format, List<ToolSpec> allowed, boolean parallel, ReasoningMode mode,
            SamplingParams sampling, long seed) {
        TokenConstraint constraint = ToolCallConstraints.forced(format, allowed, parallel, mode, tokenizer,
                Set.of(imEnd), LIMITS);
        var sampler = new Sampler(sampling, LOGITS, constraint);
        var random = new Random(seed);
        float[] logits = new float[LOGITS];
        List<Integer> output = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        boolean thinking = mode != ReasoningMode.DISABLED;
        for (int step = 0; step < 4000; step++) {
            System.arraycopy(NOISE, random.nextInt(NOISE.length - LOGITS), logits, 0, LOGITS);
            if (thinking && step >= 12) {
                logits[thinkClose] += 30; // a "model" that ends its thought after a while
            }
            // and stops once it may, after two calls when parallel calls are allowed
            logits[imEnd] += callsSoFar(text) >= (parallel ? 2 : 1) ? 5 : -5;
            int token = sampler.sample(logits, 0).token();
            assertTrue(token < tokenizer.size(), "padding id " + token + " chosen");
            sampler.accept(token);
            if (token == imEnd) {
                String all = tokenizer.decode(output.stream().mapToInt(Integer::intValue).toArray());
                return new Run(all, ChatOutputParser.parse(mode, format, format == ToolCallFormat.XML ? XML_TOOLS : TOOLS, all));
            }
            assertFalse(tokenizer.isSpecial(token), "control token " + token + " inside the call");
            output.add(token);
            text.append(tokenizer.decode(new int[] {token}));
            thinking &= token != thinkClose;
        }
        fail("no end of turn after 4000 tokens: " + tokenizer.decode(output.stream().mapToInt(Integer::intValue).toArray()));
        return null;
    }

    private static int callsSoFar(CharSequence text) {
        int count = 0;
        for (int at = text.toString().indexOf("</tool_call>"); at >= 0; at = text.toString().indexOf("</tool_call>", at + 1)) {
            count++;
        }
        return count;
    }

    private static void assertValidCalls(Run run, List<ToolSpec> allowed, boolean parallel) {
        List<ToolCall> calls = run.message().toolCalls();
        assertFalse(calls.isEmpty(), "no call parsed from: " + run.text());
        if (!parallel) {
            assertEquals(1, calls.size(), run.text());
        }
        for (ToolCall call : calls) {
            ToolSpec spec = allowed.stream().filter(t -> t.name().equals(call.name())).findFirst()
                    .orElseThrow(() -> new AssertionError("call of " + call.name() + " not allowed: " + run.text()));
            var arguments = TestSchemas.parse(call.arguments());
            assertEquals(List.of(), SchemaOracle.errors(spec.parameters(), arguments, true), run.text());
        }
    }

    static void check(ToolCallFormat format, List<ToolSpec> allowed, boolean parallel, ReasoningMode mode, int runs) {
        int multiple = 0;
        for (int run = 0; run < runs; run++) {
            SamplingParams sampling = run % 2 == 0 ? SamplingParams.greedy()
                    : SamplingParams.greedy().withTemperature(0.8).withTopK(40).withSeed(run);
            Run result = drive(format, allowed, parallel, mode, sampling, 1000L * run + format.ordinal());
            assertValidCalls(result, allowed, parallel);
            if (mode != ReasoningMode.DISABLED) {
                assertTrue(result.message().reasoningContent() != null || result.text().startsWith("<tool_call>")
                        || result.text().contains("</think>"), result.text());
            }
            multiple += result.message().toolCalls().size() > 1 ? 1 : 0;
        }
        if (parallel) {
            assertTrue(multiple > 0, "no run made parallel calls");
        }
    }
}
