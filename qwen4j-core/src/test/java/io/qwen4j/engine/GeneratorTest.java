package io.qwen4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.model.ContextOverflowException;
import io.qwen4j.model.Model;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The generation loop's bookkeeping, on a fake model whose next token is always (last + 1) mod vocab. */
class GeneratorTest {

    private static ContiguousKvCache cache(Model model, int capacity) {
        return ContiguousKvCache.forContext(model.config(), KvCacheType.F32, capacity);
    }

    private static int[] tokens(List<GenerationStep> steps) {
        return steps.stream().mapToInt(GenerationStep::token).toArray();
    }

    @Test
    void stopsAtMaxTokensWithLengthAndFeedsLazily() {
        var model = ScriptedModel.counting();
        var generation = new Generator(model).start(new int[] {3, 4}, cache(model, 32),
                new GenerationRequest(SamplingParams.greedy(), 4, Set.of()));
        var steps = generation.drain(s -> { });
        assertArrayEquals(new int[] {5, 6, 7, 8}, tokens(steps));
        assertEquals(FinishReason.LENGTH, generation.finishReason().orElseThrow());
        // prompt once, then each output token but the last
        assertEquals(4, model.fed.size());
        assertArrayEquals(new int[] {3, 4}, model.fed.get(0));
        assertEquals(List.of(0, 2, 3, 4), model.positions);
        assertTrue(steps.getFirst().logprob() > -1e-3, "the favoured token has probability ~1");
    }

    @Test
    void stopTokenEndsWithStopAndIsTheLastStep() {
        var model = ScriptedModel.counting();
        var generation = new Generator(model).start(new int[] {3}, cache(model, 32),
                new GenerationRequest(SamplingParams.greedy(), 100, Set.of(6, 99)));
        assertArrayEquals(new int[] {4, 5, 6}, tokens(generation.drain(s -> { })));
        assertEquals(FinishReason.STOP, generation.finishReason().orElseThrow());
        assertFalse(generation.hasNext());
    }

    @Test
    void fullContextEndsWithLength() {
        var model = ScriptedModel.counting();
        var generation = new Generator(model).start(new int[] {0, 1, 2}, cache(model, 5),
                new GenerationRequest(SamplingParams.greedy(), 100, Set.of()));
        // 3 prompt tokens + 2 fed outputs fill 5 positions; the third output needs no position of its own.
        assertArrayEquals(new int[] {3, 4, 5}, tokens(generation.drain(s -> { })));
        assertEquals(FinishReason.LENGTH, generation.finishReason().orElseThrow());
    }

    @Test
    void promptLongerThanContextIsRejectedUpFront() {
        var model = ScriptedModel.counting();
        var e = assertThrows(ContextOverflowException.class, () -> new Generator(model).start(new int[9], cache(model, 8),
                new GenerationRequest(SamplingParams.greedy(), 1, Set.of())));
        assertEquals("prompt of 9 tokens does not fit the context: at most 8 tokens fit", e.getMessage());
        assertTrue(model.fed.isEmpty());
    }

    @Test
    void hookCanForceTokensAndStop() {
        var model = ScriptedModel.counting();
        // A "thinking budget": after 2 output tokens force [14, 15]; stop once 3 tokens follow them.
        StepHook budget = state -> {
            if (state.outputLength() == 2) {
                return new StepHook.Force(new int[] {14, 15});
            }
            return state.outputLength() >= 7 ? StepHook.STOP : StepHook.CONTINUE;
        };
        var generation = new Generator(model).start(new int[] {0}, cache(model, 32),
                new GenerationRequest(SamplingParams.greedy(), 100, Set.of(), List.of(budget)));
        var steps = generation.drain(s -> { });
        assertArrayEquals(new int[] {1, 2, 14, 15, 0, 1, 2}, tokens(steps));
        assertEquals(List.of(false, false, true, true, false, false, false),
                steps.stream().map(GenerationStep::forced).toList());
        assertEquals(FinishReason.STOP, generation.finishReason().orElseThrow());
        // The forced 14 was unlikely after 2 (the model favoured 3): its logprob is the model's, about -10.
        assertEquals(-10, steps.get(2).logprob(), 0.01);
        assertArrayEquals(new int[] {14}, model.fed.get(3));
    }

    @Test
    void stopStringsMatchAcrossTokenBoundaries() {
        var model = ScriptedModel.counting();
        // token i is the letter 'a' + i; "def" spans three tokens
        var stops = new StopStrings(List.of("xyz", "def"), t -> new byte[] {(byte) ('a' + t)});
        var generation = new Generator(model).start(new int[] {0}, cache(model, 32),
                new GenerationRequest(SamplingParams.greedy(), 100, Set.of(), List.of(stops)));
        assertArrayEquals(new int[] {1, 2, 3, 4, 5}, tokens(generation.drain(s -> { })));
        assertEquals(FinishReason.STOP, generation.finishReason().orElseThrow());
        assertEquals(new StopStrings.Match("def", 2), stops.match().orElseThrow()); // "bcdef": 'd' at byte 2
    }

    @Test
    void stopStringOnTheLastAllowedTokenIsStop() {
        var model = ScriptedModel.counting();
        var stops = new StopStrings(List.of("cd"), t -> new byte[] {(byte) ('a' + t)});
        var generation = new Generator(model).start(new int[] {0}, cache(model, 32),
                new GenerationRequest(SamplingParams.greedy(), 3, Set.of(), List.of(stops)));
        assertArrayEquals(new int[] {1, 2, 3}, tokens(generation.drain(s -> { })));
        assertEquals(FinishReason.STOP, generation.finishReason().orElseThrow());
        assertEquals(new StopStrings.Match("cd", 1), stops.match().orElseThrow());
    }

    @Test
    void stopStringFarIntoALongOutput() {
        var model = ScriptedModel.counting();
        // tokens cycle through 16 letters; "nop" first completes at output index 13..15 of the second cycle
        var stops = new StopStrings(List.of("zz", "nop"), t -> new byte[] {(byte) ('a' + t), '.'});
        var generation = new Generator(model).start(new int[] {15}, cache(model, 64),
                new GenerationRequest(SamplingParams.greedy(), 60, Set.of(), List.of(stops)));
        generation.drain(s -> { });
        assertEquals(FinishReason.LENGTH, generation.finishReason().orElseThrow(), "'n.o.p.' never contains nop");
        var dotted = new StopStrings(List.of("n.o"), t -> new byte[] {(byte) ('a' + t), '.'});
        var second = new Generator(model).start(new int[] {15}, cache(model, 64),
                new GenerationRequest(SamplingParams.greedy(), 60, Set.of(), List.of(dotted)));
        assertEquals(15, second.drain(s -> { }).size());
        assertEquals(FinishReason.STOP, second.finishReason().orElseThrow());
        assertEquals(26, dotted.match().orElseThrow().byteOffset()); // 'n' is output token 13, 2 bytes each
    }

    @Test
    void stopStringInsideOneMultiByteToken() {
        var stops = new StopStrings(List.of("é!"), t -> "xé!y".getBytes(StandardCharsets.UTF_8));
        StepHook.GenerationState state = new StepHook.GenerationState() {
            public int promptLength() { return 1; }
            public int outputLength() { return 1; }
            public int outputToken(int i) { return 0; }
        };
        assertEquals(StepHook.STOP, stops.beforeNextToken(state));
        assertEquals(1, stops.match().orElseThrow().byteOffset());
    }

    @Test
    void zeroMaxTokensGeneratesNothing() {
        var model = ScriptedModel.counting();
        var generation = new Generator(model).start(new int[] {1}, cache(model, 8),
                new GenerationRequest(SamplingParams.greedy(), 0, Set.of()));
        assertFalse(generation.hasNext());
        assertEquals(FinishReason.LENGTH, generation.finishReason().orElseThrow());
        assertTrue(model.fed.isEmpty());
    }

    @Test
    void cacheSizing() {
        var config = ScriptedModel.counting().config();
        // 1 layer * 8 kv dims * 2 (k and v) * 2 bytes
        assertEquals(32, ContiguousKvCache.bytesPerPosition(config, KvCacheType.F16));
        assertEquals(10, ContiguousKvCache.forBudget(config, KvCacheType.F16, 330).capacity());
        assertEquals(64, ContiguousKvCache.forBudget(config, KvCacheType.F32, 1L << 30).capacity());
        assertThrows(io.qwen4j.InvalidInputException.class, () -> ContiguousKvCache.forContext(config, KvCacheType.F32, 65));
        assertEquals(KvCacheType.F16, KvCacheType.parse("f16"));
        var e = assertThrows(io.qwen4j.InvalidInputException.class, () -> KvCacheType.parse("q8"));
        assertTrue(e.getMessage().contains("q8"));
    }
}
